"""Reads for objectives (issue 20 item 2): the list per team and person with each objective's
latest red/amber/green, one objective with its history and updates, and who may be chosen."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from waymark.accounts.models import Team
from waymark.core import clock
from waymark.core.metrics import metric, metrics
from waymark.oversight import permissions as perms
from waymark.oversight.models import Objective, ObjectiveMeasurement, ServicePriority


def objectives_visible(user) -> QuerySet[Objective]:
    """Everything to readers of objectives; otherwise the objectives one owns or is the subject
    of."""
    qs = Objective.objects.all()
    if not user.has_perm(perms.OBJECTIVES_VIEW):
        qs = qs.filter(Q(owner_id=user.pk) | Q(person_id=user.pk))
    return qs


def objectives_list(
    user,
    *,
    team_id: int | None = None,
    person_id: int | None = None,
    rag: str = "",
    priority_id: int | None = None,
    status: str = "",
    today=None,
) -> QuerySet[Objective]:
    """The objectives the user may see, each with its latest measurement's RAG, actual and
    month, team objectives before people's. ``status``: "open", "closed", or "to_close" (open
    with its period ended: an outcome or a carry-over is owed)."""
    latest = ObjectiveMeasurement.objects.filter(objective=OuterRef("pk")).order_by("-month")
    qs = (
        objectives_visible(user)
        .select_related("priority", "team", "person", "owner")
        .annotate(
            latest_rag=Subquery(latest.values("rag")[:1]),
            latest_actual=Subquery(latest.values("actual")[:1]),
            latest_month=Subquery(latest.values("month")[:1]),
        )
    )
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    if priority_id is not None:
        qs = qs.filter(priority_id=priority_id)
    if status in ("open", "closed"):
        qs = qs.filter(status=status)
    elif status == "to_close":
        qs = qs.filter(status="open", period_end__lt=today or clock.today())
    if rag == "none":
        qs = qs.filter(latest_rag__isnull=True)
    elif rag in ("red", "amber", "green"):
        qs = qs.filter(latest_rag=rag)
    return qs.order_by("team__name", "person__last_name", "-period_start", "title", "pk")


def access_objective(user, pk: int) -> Objective:
    """One objective, to those who may see it (404 to anyone else)."""
    objective = (
        Objective.objects.select_related(
            "priority", "team", "person", "owner", "created_by", "closed_by", "carried_from"
        )
        .filter(pk=pk)
        .first()
    )
    if objective is None or not perms.may_view_objective(user, objective):
        raise Http404
    return objective


def objective_history(objective: Objective) -> list[ObjectiveMeasurement]:
    return list(objective.measurements.select_related("recorded_by").order_by("month"))


def objective_updates(objective: Objective):
    return objective.updates.select_related("author").order_by("-posted_at", "-pk")


def objective_measure_text(objective: Objective) -> str:
    """What the objective measures, in words: the registered figure's name (and whose value it
    is), or the measure its owner reports."""
    if objective.metric_key:
        if objective.metric_key not in metrics():
            return f"{objective.metric_key} (no longer registered)"
        figure = metric(objective.metric_key)
        if objective.person_id is not None and figure.by_person:
            scope = "the person's own figure"
        else:
            scope = "the team's figure" if figure.by_team else "the whole service's figure"
        return f"{figure.name} ({scope})"
    return f"{objective.measure_label} (reported by the owner)"


def teams_managed(user) -> QuerySet[Team]:
    """The teams the user may set objectives for."""
    if user.has_perm(perms.OBJECTIVES_ANY_TEAM):
        return Team.objects.order_by("name")
    if not user.has_perm(perms.OBJECTIVES_MANAGE):
        return Team.objects.none()
    return Team.objects.filter(pk__in=user.teams.values("pk")).order_by("name")


def people_choices():
    return (
        get_user_model()
        .objects.filter(is_active=True, is_machine=False)
        .order_by("last_name", "first_name", "username")
    )


def priority_choices() -> QuerySet[ServicePriority]:
    return ServicePriority.objects.filter(is_active=True).order_by("title")


def metric_choices() -> list[tuple[str, str]]:
    """The registered figures an objective may be measured by: those with a better direction."""
    return [
        (key, f"{m.name} ({'higher' if m.higher_is_better else 'lower'} is better)")
        for key, m in metrics().items()
        if m.higher_is_better is not None
    ]


def rag_counts(qs) -> dict[str, int]:
    counts = {"green": 0, "amber": 0, "red": 0, "none": 0}
    for value in qs.values_list("latest_rag", flat=True):
        counts[value or "none"] += 1
    return counts


def objectives_to_close(user) -> int:
    """How many of the objectives the user may see have ended and are still open."""
    return objectives_visible(user).filter(status="open", period_end__lt=clock.today()).count()


def objective_successor(objective: Objective) -> Objective | None:
    """The objective this one was carried over into, if any."""
    return Objective.objects.filter(carried_from=objective).first()
