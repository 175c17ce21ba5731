"""Work lists and oversight pages: the authority's home, the decision maker's queue, the specialist
check queue, dip sampling and ratings, trend reviews, and the figures."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
