"""Referral pages: the referral form (standalone, from a person's page), a referral, case
preparation, further information, referral quality and the first responder's own referrals."""

from __future__ import annotations

from django.urls import path  # noqa: F401

urlpatterns: list = []
