"""Decision pages: RG and CG decisions, the specialist's check, urgent service, safeguarding advice
and the duty line, disqualification, reconsideration and letters."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
