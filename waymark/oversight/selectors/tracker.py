"""Reads for the recommendations and actions tracker: the filtered list of recommendations with
their actions, one recommendation, one action, and each action's slipping history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from waymark.core import clock
from waymark.oversight import rules
from waymark.oversight.evidence import CHECKS
from waymark.oversight.models import Action, ActionStatus, ActionUpdate, Recommendation
from waymark.oversight.workflows import CLOSED_STATES

# What the tracker's "status" filter offers: a recommendation's state derived from its actions.
REC_NO_ACTIONS = "no_actions"
REC_OPEN = "open"
REC_CLOSED = "closed"
REC_STATUS_LABELS = {
    REC_NO_ACTIONS: "No actions yet",
    REC_OPEN: "Open",
    REC_CLOSED: "All actions closed",
}


@dataclass
class ActionRow:
    action: Action
    revisions: list[ActionUpdate] = field(default_factory=list)
    overdue: bool = False
    due_soon: bool = False

    @property
    def slipping(self) -> bool:
        return rules.slipping(len(self.revisions))

    @property
    def evidence_label(self) -> str:
        check = CHECKS.get(self.action.evidence_kind)
        return check.label if check else self.action.evidence_kind


def _action_row(action: Action, today: date) -> ActionRow:
    updates = list(action.updates.all())
    is_open = action.status == ActionStatus.OPEN
    return ActionRow(
        action=action,
        revisions=[u for u in updates if u.revised_due_on is not None],
        overdue=is_open and action.due_on < today,
        due_soon=is_open and today <= action.due_on <= today + timedelta(days=rules.DUE_SOON_DAYS),
    )


def recommendation_status(actions: list[Action]) -> str:
    if not actions:
        return REC_NO_ACTIONS
    return REC_CLOSED if all(a.status in CLOSED_STATES for a in actions) else REC_OPEN


@dataclass
class RecommendationRow:
    recommendation: Recommendation
    actions: list[ActionRow]

    @property
    def status(self) -> str:
        return recommendation_status([r.action for r in self.actions])

    @property
    def status_label(self) -> str:
        return REC_STATUS_LABELS[self.status]

    @property
    def slipping(self) -> bool:
        return any(r.slipping for r in self.actions)


def _actions_prefetch() -> Prefetch:
    actions = Action.objects.select_related("owner", "signed_off_by").prefetch_related(
        Prefetch("updates", queryset=ActionUpdate.objects.select_related("author"))
    )
    return Prefetch("actions", queryset=actions.order_by("due_on", "pk"))


def tracker_rows(
    *, seed: str = "", status: str = "", owner_id: int | None = None, slipping_only: bool = False
) -> list[RecommendationRow]:
    """Every recommendation matching the filters, with its actions (each with its slipping
    history). ``owner_id`` keeps the recommendations with an action that person owns."""
    recs: QuerySet[Recommendation] = Recommendation.objects.all()
    if seed:
        recs = recs.filter(seed=seed)
    if owner_id:
        recs = recs.filter(actions__owner_id=owner_id).distinct()
    recs = recs.prefetch_related(_actions_prefetch()).order_by("seed", "order")
    today = clock.today()
    rows = [RecommendationRow(r, [_action_row(a, today) for a in r.actions.all()]) for r in recs]
    if status:
        rows = [row for row in rows if row.status == status]
    if slipping_only:
        rows = [row for row in rows if row.slipping]
    return rows


def tracker_sources() -> list[dict]:
    """Each seed with its title and its recommendation count."""
    return list(
        Recommendation.objects.values("seed", "source_title")
        .annotate(count=Count("pk"))
        .order_by("seed")
    )


def tracker_owners() -> list[tuple[int, str]]:
    """The people who own at least one action, for the owner filter."""
    seen: dict[int, str] = {}
    for action in Action.objects.select_related("owner").order_by("owner__last_name"):
        seen.setdefault(action.owner_id, action.owner.get_full_name() or action.owner.username)
    return sorted(seen.items(), key=lambda item: item[1])


def tracker_counts() -> dict[str, int]:
    today = clock.today()
    open_actions = Action.objects.filter(status=ActionStatus.OPEN)
    return {
        "recommendations": Recommendation.objects.count(),
        "actions": Action.objects.count(),
        "open": open_actions.count(),
        "overdue": open_actions.filter(due_on__lt=today).count(),
        "slipping": Action.objects.filter(updates__revised_due_on__isnull=False)
        .annotate(revisions=Count("updates", filter=Q(updates__revised_due_on__isnull=False)))
        .filter(revisions__gte=rules.SLIPPING_REVISIONS)
        .distinct()
        .count(),
    }


def access_recommendation(user, pk: int) -> RecommendationRow:
    rec = Recommendation.objects.filter(pk=pk).prefetch_related(_actions_prefetch()).first()
    if rec is None:
        raise Http404("No such recommendation")
    today = clock.today()
    return RecommendationRow(rec, [_action_row(a, today) for a in rec.actions.all()])


def access_action(user, pk: int) -> Action:
    action = (
        Action.objects.filter(pk=pk)
        .select_related("recommendation", "owner", "signed_off_by")
        .first()
    )
    if action is None:
        raise Http404("No such action")
    return action


def action_owner_choices() -> list[tuple[int, str]]:
    """People who may own an action: active staff (not machine clients)."""
    from waymark.accounts.models import User

    users = User.objects.filter(is_active=True, is_machine=False).order_by(
        "last_name", "first_name", "username"
    )
    return [(u.pk, u.get_full_name() or u.username) for u in users]


def action_owner_get(pk: int | None):
    """The active member of staff with this id, or None."""
    from waymark.accounts.models import User

    if pk is None:
        return None
    return User.objects.filter(pk=pk, is_active=True, is_machine=False).first()
