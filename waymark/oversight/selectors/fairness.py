"""Fairness and safeguarding monitoring: outcomes at each decision point broken down by group
(issue 20 item 5; oversight.md §3 and §6 "Fairness"; 000 §5.25; 003 §5.30-5.31).

For one decision point (registered by its module in ``waymark.core.fairness``), one period and one
dimension, each group's **rate** is the share of its decisions with the outcome. Each group is
compared with a **reference group** (configured per dimension in ``rules.FAIRNESS_REFERENCE_GROUPS``,
otherwise the largest group with a recorded value) by the **risk ratio** of the two rates, with a
95% confidence interval by the **Katz log method**:

    RR = (a / n1) / (c / n0)
    SE(ln RR) = sqrt(1/a - 1/n1 + 1/c - 1/n0)
    CI = exp(ln RR -/+ z * SE)

where ``a`` of the group's ``n1`` decisions and ``c`` of the reference group's ``n0`` had the
outcome (Katz D, Baptista J, Azen SP, Pike MC, "Obtaining confidence intervals for the risk ratio
in cohort studies", Biometrics 34 (1978) 469-474; Altman DG, Practical Statistics for Medical
Research, 1991, §10.11). When ``a`` or ``c`` is 0 the interval is undefined, so 0.5 is added to
each of the four cells (the Haldane-Anscombe correction: ``a + 0.5`` of ``n1 + 1``); when both
rates are 0 there is no ratio. A ratio outside 0.8-1.25 (Aequitas' fairness band) is **flagged**
only when the interval also excludes 1 and both groups hold at least the small-group threshold.

Small groups (fewer than ``rules.FAIRNESS_SMALL_GROUP_THRESHOLD`` decisions, k = 11) are folded
into "Other groups"; if that is still under the threshold its figures are suppressed, and no total
is shown that would let a reader subtract their way to it. A figure asked for a small group by
name is refused (``fairness_group_figure``).

Person attributes are read through the people app: nationality and vulnerability assessment with
``people.selectors.people_monitoring_attributes``; protected characteristics only with
``people.view_protected_characteristics`` through
``people.services.protected_characteristics_for_monitoring``, which audits every read.
"""

from __future__ import annotations

import calendar
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from waymark.core import clock
from waymark.core.fairness import DecisionPoint, DecisionRow, decision_point, decision_points
from waymark.oversight import rules
from waymark.oversight.models import DisparityReview, DisparityReviewStatus

NOT_RECORDED = ""
OTHER = "__other__"
PROTECTED_PERMISSION = "people.view_protected_characteristics"


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    source: str  # "person", "protected", "team", "row"
    protected: bool = False


DIMENSIONS: dict[str, Dimension] = {
    d.key: d
    for d in [
        Dimension("vulnerability", "Vulnerability assessment", "person"),
        Dimension("nationality", "Nationality", "person"),
        Dimension("team", "Team", "team"),
        Dimension("sector", "Business sector", "row"),
        Dimension("ethnicity", "Ethnicity (protected)", "protected", protected=True),
        Dimension("religion", "Religion or belief (protected)", "protected", protected=True),
        Dimension("disability", "Disability (protected)", "protected", protected=True),
        Dimension(
            "sexual_orientation", "Sexual orientation (protected)", "protected", protected=True
        ),
    ]
}
DEFAULT_DIMENSION = "vulnerability"


def may_see_protected(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(PROTECTED_PERMISSION))


def dimensions_for(user, point: DecisionPoint | None) -> list[Dimension]:
    """The dimensions this user may break this point down by: sector only where the point's rows
    carry it, protected characteristics only with their restricted permission."""
    shown = []
    for d in DIMENSIONS.values():
        if d.source == "row" and (point is None or d.key not in point.carries):
            continue
        if d.protected and not may_see_protected(user):
            continue
        shown.append(d)
    return shown


@dataclass
class GroupFigure:
    key: str
    label: str
    count: int | None  # None: suppressed
    outcomes: int | None
    rate: float | None = None
    ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    is_reference: bool = False
    folded: int = 0  # small groups folded into "Other groups"
    flagged: bool = False
    review: DisparityReview | None = None

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass
class FairnessTable:
    point: DecisionPoint
    dimension: Dimension
    start: date
    end: date
    groups: list[GroupFigure] = field(default_factory=list)
    reference: GroupFigure | None = None
    decisions: int = 0  # every decision in the period (shown only when nothing is suppressed)
    as_of: datetime | None = None  # the read model's as-of time when the counts came from it

    @property
    def any_suppressed(self) -> bool:
        return any(g.suppressed for g in self.groups)

    @property
    def flagged(self) -> list[GroupFigure]:
        return [g for g in self.groups if g.flagged]


def risk_ratio_katz(
    a: int, n1: int, c: int, n0: int, z: float | None = None
) -> tuple[float, float, float] | None:
    """The risk ratio of ``a/n1`` to ``c/n0`` and its Katz log-method interval (module docstring),
    or None when it is undefined (an empty group, or no outcomes in either)."""
    z = rules.FAIRNESS_CONFIDENCE_Z if z is None else z
    if n1 <= 0 or n0 <= 0 or (a == 0 and c == 0):
        return None
    if a == 0 or c == 0:  # Haldane-Anscombe: 0.5 added to each cell
        a_, n1_, c_, n0_ = a + 0.5, n1 + 1.0, c + 0.5, n0 + 1.0
    else:
        a_, n1_, c_, n0_ = float(a), float(n1), float(c), float(n0)
    ratio = (a_ / n1_) / (c_ / n0_)
    se = math.sqrt(max(1 / a_ - 1 / n1_ + 1 / c_ - 1 / n0_, 0.0))
    log_ratio = math.log(ratio)
    return ratio, math.exp(log_ratio - z * se), math.exp(log_ratio + z * se)


def _labels(dimension: Dimension, keys) -> dict[str, str]:
    keys = [k for k in keys if k not in (NOT_RECORDED, OTHER)]
    if dimension.key == "vulnerability":
        from waymark.people.models import VulnerabilityAssessment

        names = dict(VulnerabilityAssessment.choices)
        return {k: names.get(k, k) for k in keys}
    if dimension.key == "nationality":
        from waymark.people.countries import country_name

        return {k: country_name(k) or k for k in keys}
    if dimension.key == "team":
        from waymark.accounts.models import Team

        teams: dict[int, str] = dict(
            Team.objects.filter(pk__in=[int(k) for k in keys]).values_list("pk", "name")
        )
        return {k: teams.get(int(k), f"Team {k}") for k in keys}
    return {k: k for k in keys}


def _group_keys(
    *, actor, point: DecisionPoint, dimension: Dimension, rows: list[DecisionRow], purpose: str = ""
) -> list[str]:
    """The group of each row, in order ("" when not recorded)."""
    if dimension.source == "team":
        return [str(r.team_id) if r.team_id is not None else NOT_RECORDED for r in rows]
    if dimension.source == "row":
        return [getattr(r, dimension.key) or NOT_RECORDED for r in rows]
    person_ids = [r.person_id for r in rows if r.person_id is not None]
    if dimension.source == "protected":
        if not may_see_protected(actor) and actor is not None:
            raise PermissionDenied("Protected characteristics need their restricted permission")
        from waymark.people.services import protected_characteristics_for_monitoring

        values = protected_characteristics_for_monitoring(
            actor=actor,
            person_ids=person_ids,
            characteristic=dimension.key,
            purpose=purpose or f"Equality monitoring of outcomes: {point.label}",
        )
    else:
        from waymark.people.selectors import people_monitoring_attributes

        values = people_monitoring_attributes(person_ids, dimension.key)
    keys = []
    for r in rows:
        value = values.get(r.person_id, "") if r.person_id is not None else ""
        if not value and dimension.key == "nationality":
            value = r.nationality  # as given on the decision when no person (or none recorded)
        keys.append(value or NOT_RECORDED)
    return keys


def _resolve(point_key: str, dimension_key: str, actor) -> tuple[DecisionPoint, Dimension]:
    point = decision_point(point_key)
    if point is None:
        raise ValidationError({"point": "Choose a decision point from the list"})
    dimension = DIMENSIONS.get(dimension_key)
    if dimension is None:
        raise ValidationError({"dimension": "Choose what to break the outcomes down by"})
    if dimension.source == "row" and dimension.key not in point.carries:
        raise ValidationError(
            {"dimension": f"{point.label} cannot be broken down by {dimension.label.lower()}"}
        )
    if dimension.protected and actor is not None and not may_see_protected(actor):
        raise PermissionDenied("Protected characteristics need their restricted permission")
    return point, dimension


def _group_expression(*, actor, point: DecisionPoint, dimension: Dimension, qs, purpose: str = ""):
    """The dimension's group of each decision of ``qs`` (the point's QuerySet) as a query
    expression. A protected characteristic is read through the people app, behind its permission,
    with one consultation entry naming the number of people."""
    from django.db.models import F, Value
    from django.db.models.functions import Coalesce, NullIf

    if dimension.source == "team":
        return F("fairness_team_id")
    if dimension.source == "row":
        return F(f"fairness_{dimension.key}")
    if dimension.source == "protected":
        if not may_see_protected(actor) and actor is not None:
            raise PermissionDenied("Protected characteristics need their restricted permission")
        from waymark.people.services import protected_characteristic_expression

        people = qs.filter(fairness_person_id__isnull=False).values("fairness_person_id")
        return protected_characteristic_expression(
            actor=actor,
            characteristic=dimension.key,
            person_field="fairness_person_id",
            people_count=people.distinct().count(),
            purpose=purpose or f"Equality monitoring of outcomes: {point.label}",
        )
    from waymark.people.selectors import people_monitoring_attribute_expression

    group: Any = people_monitoring_attribute_expression(dimension.key, "fairness_person_id")
    if dimension.key == "nationality" and "nationality" in point.carries:
        group = Coalesce(NullIf(group, Value("")), F("fairness_nationality"))
    return group


def _counts_in_database(
    *, actor, point: DecisionPoint, dimension: Dimension, start: date, end: date
) -> tuple[Counter, Counter, int]:
    """The same counts as ``_counts``, grouped in the database from the point's QuerySet."""
    from django.db.models import Count, Q

    qs = point.queryset_fn(start, end)  # type: ignore[misc]
    group = _group_expression(actor=actor, point=point, dimension=dimension, qs=qs)
    counted = (
        qs.annotate(fairness_group=group)
        .order_by()
        .values("fairness_group")
        .annotate(n=Count("pk"), a=Count("pk", filter=Q(fairness_outcome=True)))
    )
    totals: Counter = Counter()
    outcomes: Counter = Counter()
    for row in counted:
        value = row["fairness_group"]
        key = NOT_RECORDED if value in (None, "") else str(value)
        totals[key] += row["n"]
        outcomes[key] += row["a"]
    return totals, outcomes, sum(totals.values())


def _counts(
    *, actor, point: DecisionPoint, dimension: Dimension, start: date, end: date
) -> tuple[Counter, Counter, int]:
    if point.queryset_fn is not None:
        return _counts_in_database(
            actor=actor, point=point, dimension=dimension, start=start, end=end
        )
    rows = point.rows(start, end)
    keys = _group_keys(actor=actor, point=point, dimension=dimension, rows=rows)
    totals: Counter = Counter()
    outcomes: Counter = Counter()
    for key, row in zip(keys, rows, strict=True):
        totals[key] += 1
        if row.outcome:
            outcomes[key] += 1
    return totals, outcomes, len(rows)


def _compare(group: GroupFigure, reference: GroupFigure) -> None:
    if group is reference or group.count is None or reference.count is None:
        return
    result = risk_ratio_katz(
        group.outcomes or 0, group.count, reference.outcomes or 0, reference.count
    )
    if result is None:
        return
    group.ratio, group.ci_low, group.ci_high = result
    group.flagged = rules.fairness_flagged(
        ratio=group.ratio,
        ci_low=group.ci_low,
        ci_high=group.ci_high,
        count=group.count,
        reference_count=reference.count,
    )


_LIVE_SQL = (
    'SELECT "id", "group", "status" FROM "oversight_disparityreview"'
    ' WHERE "decision_point" = %s AND "dimension" = %s AND "status" <> %s'
    ' ORDER BY "due_on", "id"'
)
_LIVE_FIELDS = ("id", "group", "status")


def live_reviews(point_key: str, dimension_key: str) -> dict[str, DisparityReview]:
    """The explain-or-reform items not closed for a decision point and dimension, by group (the
    last due wins, as the model's ordering). Read on every view of the fairness page, so as one
    fixed statement on the kept cursor (``core.kept_cursors``: 0.6 ms of ORM building against
    0.12 ms); the items come back with only their id, group and status loaded (the rest is read
    if asked for, as ``.only()``)."""
    from django.db import connections, router

    from waymark.core.kept_cursors import fetch_all

    alias = router.db_for_read(DisparityReview)
    rows = fetch_all(
        connections[alias], _LIVE_SQL, (point_key, dimension_key, DisparityReviewStatus.CLOSED)
    )
    return {row[1]: DisparityReview.from_db(alias, _LIVE_FIELDS, tuple(row)) for row in rows}


def fairness_table(
    *,
    actor,
    point_key: str,
    dimension_key: str,
    start: date,
    end: date,
    months: int | None = None,
) -> FairnessTable:
    """The outcome's rate for each group of the dimension, each compared with the reference group;
    small groups folded into "Other groups" or suppressed (module docstring).

    With ``months`` (the page's "last N months"), and ``start``/``end`` that period, the counts
    are read from the read model ``oversight.fairness`` (rebuilt first when older than a minute or
    built on another day) and the table carries its ``as_of``; otherwise, and for the services
    that open items (which recompute), they are counted live from the decisions."""
    point, dimension = _resolve(point_key, dimension_key, actor)
    as_of = None
    if months in rules.FAIRNESS_PERIOD_MONTHS:
        as_of = fairness_read_model_as_of()
        if (start, end) == period_for(months, today=as_of.astimezone(clock.LONDON).date()):
            totals, outcomes, decisions = _counts_from_read_model(
                actor=actor, point=point, dimension=dimension, months=months or 0, as_of=as_of
            )
        else:
            as_of = None
    if as_of is None:
        totals, outcomes, decisions = _counts(
            actor=actor, point=point, dimension=dimension, start=start, end=end
        )
    labels = _labels(dimension, totals)
    table = FairnessTable(point=point, dimension=dimension, start=start, end=end, as_of=as_of)
    table.decisions = decisions
    other_count = other_outcomes = folded = 0
    for key in sorted(totals, key=lambda k: (-totals[k], labels.get(k, k))):
        n, a = totals[key], outcomes[key]
        if not rules.fairness_group_shown(n):
            other_count, other_outcomes, folded = other_count + n, other_outcomes + a, folded + 1
            continue
        label = "Not recorded" if key == NOT_RECORDED else labels.get(key, key)
        table.groups.append(GroupFigure(key, label, n, a, rate=a / n))
    if folded:
        k = rules.FAIRNESS_SMALL_GROUP_THRESHOLD
        label = f"Other groups ({folded:,}, each of fewer than {k})"
        if rules.fairness_group_shown(other_count):
            table.groups.append(
                GroupFigure(
                    OTHER,
                    label,
                    other_count,
                    other_outcomes,
                    rate=other_outcomes / other_count,
                    folded=folded,
                )
            )
        else:
            table.groups.append(GroupFigure(OTHER, label, None, None, folded=folded))
    candidates = [
        g for g in table.groups if g.key not in (NOT_RECORDED, OTHER) and not g.suppressed
    ]
    configured = rules.FAIRNESS_REFERENCE_GROUPS.get(dimension.key)
    reference = next((g for g in candidates if g.key == configured), None) if configured else None
    if reference is None and candidates:
        reference = max(candidates, key=lambda g: (g.count, g.label))
    if reference is not None:
        reference.is_reference = True
        table.reference = reference
        for g in table.groups:
            _compare(g, reference)
    live = live_reviews(point.key, dimension.key)
    for g in table.groups:
        g.review = live.get(g.key)
    return table


def fairness_group_figure(
    *,
    actor,
    point_key: str,
    dimension_key: str,
    group: str,
    start: date,
    end: date,
    months: int | None = None,
) -> tuple[GroupFigure, FairnessTable]:
    """One named group's figure. Refused (``ValidationError``) for a group below the small-group
    threshold, whether it exists or not, so a refusal does not tell whether a group is empty."""
    table = fairness_table(
        actor=actor,
        point_key=point_key,
        dimension_key=dimension_key,
        start=start,
        end=end,
        months=months,
    )
    found = next((g for g in table.groups if g.key == group and g.key != OTHER), None)
    if found is None or found.suppressed:
        k = rules.FAIRNESS_SMALL_GROUP_THRESHOLD
        raise ValidationError(
            {
                "group": f"Figures for a group of fewer than {k} decisions are not shown: "
                "small groups are folded into other groups to protect the people in them"
            }
        )
    return found, table


def fairness_points() -> list[DecisionPoint]:
    return decision_points()


def period_for(months: int, *, today: date | None = None) -> tuple[date, date]:
    """The ``months`` months up to and including today."""
    today = today or clock.today()
    year, month = today.year, today.month - months
    while month <= 0:
        year, month = year - 1, month + 12
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1])), today


def disparity_reviews(*, status: str = "") -> list[DisparityReview]:
    qs = DisparityReview.objects.select_related("owner", "opened_by", "answered_by", "closed_by")
    if status in DisparityReviewStatus.values:
        qs = qs.filter(status=status)
    return list(qs.order_by("status", "due_on", "pk"))


def access_disparity_review(user, pk: int) -> DisparityReview:
    from django.http import Http404

    if not (user and user.has_perm("oversight.view_fairness")):
        raise PermissionDenied
    review = (
        DisparityReview.objects.select_related("owner", "opened_by", "answered_by", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if review is None:
        raise Http404("No such explain-or-reform item")
    return review


def disparity_review_owner_choices() -> list[tuple[int, str]]:
    """Who may own an item: active users who may see the fairness figures."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    users = (
        get_user_model()
        .objects.filter(is_active=True, is_machine=False)
        .filter(
            Q(
                groups__permissions__codename="view_fairness",
                groups__permissions__content_type__app_label="oversight",
            )
            | Q(
                user_permissions__codename="view_fairness",
                user_permissions__content_type__app_label="oversight",
            )
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return [(u.pk, u.get_full_name() or u.username) for u in users]


# --- the read model ``oversight.fairness`` (core.read_models): ``selectors.fairness_sums`` -----
from waymark.oversight.selectors.fairness_sums import (  # noqa: E402, F401 - re-exported
    PEOPLE,
    READ_MODEL,
    _counts_from_read_model,
    fairness_read_model_as_of,
    forget_band_sums,
)


def fairness_dimensions_of(point: DecisionPoint) -> list[Dimension]:
    """Every dimension the point can be broken down by (whoever asks)."""
    return [
        d for d in DIMENSIONS.values() if not (d.source == "row" and d.key not in point.carries)
    ]
