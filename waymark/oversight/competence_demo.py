"""Demo competences (issue 20 item 2): every demo user in a team whose queues hold work a
competence gates is signed off for it, so "get next" still gives the demo's decisions to the
people who make them; a few records expire soon, and some have lapsed history. Run after every
module's demo (order in registrations.py), since modules add their own users and queues. All
writes go through ``work.services.competence_sign_off``."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from waymark.core import clock


def competence_demo_load(
    *,
    anchor: datetime,
    scale: float = 1.0,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    from waymark.accounts.models import User
    from waymark.work import rules as work_rules
    from waymark.work import services as work
    from waymark.work.models import Competence, Queue, Task
    from waymark.work.registry import competence_requirements, get_task_type

    rng = random.Random(seed)
    with clock.frozen(anchor):
        if Competence.objects.exists():
            return {"competences": Competence.objects.count()}
        people = User.objects.filter(is_active=True, is_machine=False).order_by("pk")
        assessors = list(
            people.filter(username__in=("assurance", "line-manager", "nrm-manager"))
        ) or list(people[:2])
        if not assessors:
            return {"competences": 0}
        fallback = list(people.exclude(pk__in=[a.pk for a in assessors])[:1])
        today = clock.today()
        needs: dict[int, set[str]] = {}  # user id -> competences their teams' work needs
        requirements = competence_requirements()
        for type_key, competence_key in requirements.items():
            team_ids = set(
                Task.objects.filter(task_type=type_key).values_list("queue__team_id", flat=True)
            )
            slug = get_task_type(type_key).queue_slug if type_key else ""
            if slug:
                team_ids |= set(Queue.objects.filter(slug=slug).values_list("team_id", flat=True))
            for user_id in people.filter(teams__in=team_ids).values_list("pk", flat=True):
                needs.setdefault(user_id, set()).add(competence_key)
        for assessor in assessors:
            needs.setdefault(assessor.pk, set()).add(work_rules.COMPETENCE_ASSESSOR)
        made = 0
        by_pk = {u.pk: u for u in people.filter(pk__in=needs)}
        for user_id in sorted(needs):
            holder = by_pk[user_id]
            for key in sorted(needs[user_id]):
                # an assessor's own assessor competence is signed off by a colleague assessor, or
                # (when the demo has one) by the earliest other demo user, as its training lead
                pool = [*assessors, *fallback]
                assessor = next((a for a in pool if a.pk != holder.pk), None)
                if assessor is None:
                    continue
                # most last a year or two; about one in eight falls due within the next six weeks
                days = rng.randint(10, 42) if rng.random() < 0.125 else rng.randint(200, 700)
                work.competence_sign_off(
                    actor=None,
                    holder=holder,
                    assessor=assessor,
                    competence_key=key,
                    expires_on=today + timedelta(days=days),
                    evidence="Demo: course passed and assessed in a live setting",
                )
                made += 1
    if progress:
        progress(f"Competences signed off: {made:,}")
    return {"competences": made}
