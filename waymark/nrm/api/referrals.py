"""API: referrals from first responders' systems (``POST /api/v1/nrm/referrals/``) and reads."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
