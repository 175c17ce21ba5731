"""Helpers for the quality-assurance tests: fill a kind's population, answer a checklist."""

from __future__ import annotations

from datetime import date, timedelta

from waymark.core.assurance import WorkItem

KIND = "tests.decision"


def fill(items: list[WorkItem], *, start: date, days: int, per_day: int, worker, team, first_id=1):
    n = first_id
    for d in range(days):
        for _ in range(per_day):
            items.append(
                WorkItem(
                    id=n,
                    worker_id=worker.pk,
                    team_id=team.pk,
                    on=start + timedelta(days=d),
                    url=f"/tests/{n}/",
                    category="special" if n % 10 == 0 else "",
                )
            )
            n += 1
    return n


def answers(checklist, rating="green", reasons=None):
    out = {}
    for q in checklist.questions.all():
        codes = (
            reasons
            if reasons is not None
            else ([q.failure_reasons[0][0]] if rating != "green" else [])
        )
        out[q.pk] = {"rating": rating, "reason_codes": codes, "note": ""}
    return out
