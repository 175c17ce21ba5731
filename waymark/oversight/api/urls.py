"""Oversight's API routes, included under ``/api/v1/oversight/`` in the ``api`` namespace."""

from waymark.oversight.api import risks, tracker

urlpatterns = [*tracker.urlpatterns, *risks.urlpatterns]
