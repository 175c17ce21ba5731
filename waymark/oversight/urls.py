"""Oversight's pages: each views module holds its own routes."""

from waymark.oversight.views import tracker

app_name = "oversight"
urlpatterns = [*tracker.urlpatterns]
