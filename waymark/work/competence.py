"""Reads of competence records (issue 20 item 2; docs/decisions/0016-competence-gate.md): the
predicate get next carries, the refusal allocation gives, and the register oversight shows.
Re-exported from ``waymark.work.selectors``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, Q, QuerySet

from waymark.core import clock
from waymark.work.models import Competence
from waymark.work.registry import competence_label, competence_required, task_type_label


def competence_valid(*, on) -> Q:
    """A competence record that counts on ``on``: not withdrawn, not yet expired (``expires_on``
    is the first day it no longer counts)."""
    return Q(withdrawn_at__isnull=True, expires_on__gt=on)


def competence_gate(*, gates, holder_id, on) -> Q:
    """The get-next predicate: a task either needs no competence, or its type's competence is
    held (valid on ``on``) by ``holder_id``. One uncorrelated EXISTS per competence, so the
    database answers each once per statement (an InitPlan on PostgreSQL), not once per row."""
    if not gates:
        return Q()
    gated = [key for _competence, keys in gates for key in keys]
    allowed = ~Q(task_type__in=gated)
    for competence_key, keys in gates:
        held = Competence.objects.filter(
            competence_valid(on=on), holder_id=holder_id, competence_key=competence_key
        )
        allowed |= Q(task_type__in=list(keys)) & Q(Exists(held))
    return allowed


def competences_held(user, *, on=None) -> set[str]:
    """The competence keys ``user`` holds a valid record of on ``on`` (today by default)."""
    on = on or clock.today()
    return set(
        Competence.objects.filter(competence_valid(on=on), holder=user).values_list(
            "competence_key", flat=True
        )
    )


def competence_held_on(user, competence_key: str, day) -> bool:
    """Whether ``user`` held ``competence_key`` on a past ``day`` (or today): signed off by the end
    of that day, not yet expired on it, not withdrawn before the day ended. Unlike
    ``competences_held``, which asks about the records as they stand, this dates the sign-off."""
    from datetime import datetime, time, timedelta

    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.LONDON)
    return (
        Competence.objects.filter(
            holder=user, competence_key=competence_key, signed_off_at__lt=end, expires_on__gt=day
        )
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=end))
        .exists()
    )


def competence_holders_since(competence_key: str, since) -> QuerySet[Competence]:
    """Records of ``competence_key`` that counted on some day from ``since`` to today: signed off,
    not expired before ``since``, not withdrawn before it. Who may be named for something done in
    that window (a training session recorded late); whether they held it on the very day is
    ``competence_held_on``'s question."""
    from datetime import datetime, time

    start = datetime.combine(since, time(0), tzinfo=clock.LONDON)
    return (
        Competence.objects.filter(competence_key=competence_key, expires_on__gt=since)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=start))
        .select_related("holder")
    )


def competence_register(
    *,
    on=None,
    competence_key: str = "",
    team_id: int | None = None,
    expiring_by=None,
    holder_id: int | None = None,
) -> QuerySet[Competence]:
    """The valid competence records on ``on`` (today by default): who holds what, signed off by
    whom, until when; optionally of one competence, of one team's members, or expiring before
    ``expiring_by``. Soonest expiry first."""
    on = on or clock.today()
    records = Competence.objects.filter(competence_valid(on=on)).select_related(
        "holder", "assessor"
    )
    if competence_key:
        records = records.filter(competence_key=competence_key)
    if team_id is not None:
        records = records.filter(holder__teams__id=team_id)
    if expiring_by is not None:
        records = records.filter(expires_on__lte=expiring_by)
    if holder_id is not None:
        records = records.filter(holder_id=holder_id)
    return records.order_by("expires_on", "holder__last_name", "holder__first_name", "pk")


def competence_team_summary(*, on=None, expiring_by=None) -> list[dict[str, Any]]:
    """Per team and competence: how many members hold it validly and how many of those expire by
    ``expiring_by``. One grouped query."""
    on = on or clock.today()
    rows = (
        Competence.objects.filter(competence_valid(on=on), holder__teams__isnull=False)
        .values("holder__teams__id", "holder__teams__name", "competence_key")
        .annotate(
            holders=Count("holder", distinct=True),
            expiring=Count(
                "holder",
                distinct=True,
                filter=Q(expires_on__lte=expiring_by) if expiring_by else Q(pk__in=[]),
            ),
        )
        .order_by("holder__teams__name", "competence_key")
    )
    return [
        {
            "team_id": row["holder__teams__id"],
            "team": row["holder__teams__name"],
            "competence_key": row["competence_key"],
            "competence": competence_label(row["competence_key"]),
            "holders": row["holders"],
            "expiring": row["expiring"],
        }
        for row in rows
    ]


def competence_refusal(assignee, task_type_key: str, *, held: set[str] | None = None) -> str:
    """Why ``assignee`` may not be given a ``task_type_key`` task for want of competence, or ""
    when they may. ``held`` (from ``competences_held``) saves a query in a loop."""
    needed = competence_required(task_type_key)
    if not needed:
        return ""
    if held is None:
        held = competences_held(assignee)
    if needed in held:
        return ""
    return (
        f"{assignee.display_name} does not hold a valid {competence_label(needed)} competence "
        f"(signed off and not expired), which {task_type_label(task_type_key).lower()} tasks need"
    )


def competent_assignee(task_type_key: str, candidates) -> tuple[Any, list[str]]:
    """For a module's own assignment rule (e.g. NRM naming a referral's decision maker): the first
    of ``candidates`` (in the module's order of preference; ``None`` entries skipped) who holds
    the competence a ``task_type_key`` task needs, with the same validity get next compiles into
    its statement (``competence_valid``), and why each one before was passed over. ``None`` when
    no one qualifies: the module then leaves the task unassigned in its queue, where get next
    gives it only to someone competent."""
    passed_over: list[str] = []
    for candidate in candidates:
        if candidate is None:
            continue
        refusal = competence_refusal(candidate, task_type_key)
        if not refusal:
            return candidate, passed_over
        passed_over.append(refusal)
    return None, passed_over
