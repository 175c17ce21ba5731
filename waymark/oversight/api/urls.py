"""Oversight's API routes, included under ``/api/v1/oversight/`` in the ``api`` namespace."""

from waymark.oversight.api import complaints, risks, tracker

urlpatterns = [*tracker.urlpatterns, *risks.urlpatterns, *complaints.urlpatterns]
