"""The competent authority's API routes, included under ``/api/v1/nrm/`` in the ``api`` namespace."""

from waymark.nrm.api import decisions, referrals

urlpatterns = [*referrals.urlpatterns, *decisions.urlpatterns]
