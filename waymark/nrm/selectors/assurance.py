"""The competent authority's work oversight may sample for quality assurance (issue 20 item 1):
served NRM decisions (reasonable and conclusive grounds). NRM's own 20%-until-half-red dip sample
of positive CG decisions (``services.sampling``) stays here; oversight shows it as one configured
instance of its adaptive sampling rule. Registered from ``registrations.register_oversight_feeds``."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from waymark.core.assurance import WorkItem, worker_teams
from waymark.core.clock import LONDON
from waymark.nrm import rules
from waymark.nrm.models import Decision, DecisionStatus


def nrm_decisions(start: date, end: date) -> list[WorkItem]:
    rows = list(
        Decision.objects.filter(
            status=DecisionStatus.SERVED,
            served_at__date__gte=start,
            served_at__date__lte=end,
        )
        .order_by("pk")
        .values_list(
            "pk", "decision_maker_id", "served_at", "referral__person_id", "stage", "outcome"
        )
    )
    teams = worker_teams(r[1] for r in rows)
    return [
        WorkItem(
            id=pk,
            worker_id=maker,
            team_id=teams.get(maker),
            on=at.astimezone(LONDON).date(),
            person_id=person,
            url=reverse("nrm:decision", args=[pk]),
            category="cg_positive"
            if stage == "cg" and outcome in rules.POSITIVE_OUTCOMES
            else stage,
        )
        for pk, maker, at, person, stage, outcome in rows
        if at is not None
    ]
