"""The casework oversight may sample for quality assurance (issue 20 item 1): case notes written
on the people casework manages. Registered from ``registrations.register_oversight_feeds``."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from waymark.casework.models import Case
from waymark.core.assurance import WorkItem, worker_teams
from waymark.core.clock import LONDON
from waymark.people.models import Note


def case_notes(start: date, end: date) -> list[WorkItem]:
    """Notes (not corrections) written on a person with a casework case."""
    rows = list(
        Note.objects.filter(
            created_at__date__gte=start,
            created_at__date__lte=end,
            corrects__isnull=True,
            person_id__in=Case.objects.values("person_id"),
        )
        .order_by("pk")
        .values_list("pk", "author_id", "created_at", "person_id")
    )
    teams = worker_teams(r[1] for r in rows)
    return [
        WorkItem(
            id=pk,
            worker_id=author,
            team_id=teams.get(author),
            on=at.astimezone(LONDON).date(),
            person_id=person,
            url=reverse("people:detail", args=[person]),
        )
        for pk, author, at, person in rows
    ]
