"""Helpers shared by criminal casework's selectors."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q

from waymark.casework import rules


def _past_limit_q(today: date) -> Q:
    q = Q()
    for band in rules.BANDS:
        q |= Q(
            effective_band=band,
            out_of_contact_since__lte=today - timedelta(days=rules.absconder_limit_days(band)),
        )
    return q
