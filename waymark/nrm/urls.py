"""The competent authority's pages: each views module holds its own routes."""

from waymark.nrm.views import decisions, queues, referrals

app_name = "nrm"
urlpatterns = [*queues.urlpatterns, *referrals.urlpatterns, *decisions.urlpatterns]
