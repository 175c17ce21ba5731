"""API v1 routes: each app contributes its endpoints from its own ``api.py``."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
