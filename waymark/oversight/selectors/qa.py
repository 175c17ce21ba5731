"""Oversight reads: quality assurance (issue 20 item 1). The work itself comes from the modules
through ``waymark.core.assurance``; everything here reads oversight's own tables."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.http import Http404

from waymark.core import assurance, clock
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    Checklist,
    LearningItem,
    QAAnswer,
    QADispute,
    QALevelEvent,
    QAReview,
    RuleMethod,
    SampleDraw,
    SampleItem,
    SamplingRule,
    TeamObservation,
)

LINE_PRECEDENCE = ("second", "first")  # the second-line review, where both exist, stands


def rule_scheme(rule: SamplingRule) -> rules.QAScheme:
    """The rule's switching numbers: rules.py's defaults, then the rule's own rates and overrides."""
    values: dict = {
        "normal_rate": rule.rate,
        "tightened_rate": rule.tightened_rate
        if rule.tightened_rate is not None
        else rules.QA_DEFAULT_RATES["tightened"],
        "reduced_rate": rule.reduced_rate,
    }
    values.update(rule.scheme or {})
    return rules.QAScheme(**values)


def _item_ratings(items) -> dict[int, str]:
    """Each reviewed item's rating that stands (second line over first)."""
    found: dict[int, tuple[int, str]] = {}
    for item_id, line, rating in QAReview.objects.filter(item__in=items).values_list(
        "item_id", "line", "final_rating"
    ):
        rank = LINE_PRECEDENCE.index(line)
        if item_id not in found or rank < found[item_id][0]:
            found[item_id] = (rank, rating)
    return {k: v[1] for k, v in found.items()}


def rule_lineage(rule: SamplingRule) -> list[SamplingRule]:
    """The rule and the rules it replaced, newest first (a change keeps the rule's history and its
    level: the lots of the rules before count, so changing a rule cannot reset a discontinuance)."""
    chain = [rule]
    seen = {rule.pk}
    while chain[-1].replaces_id and chain[-1].replaces_id not in seen:
        before = SamplingRule.objects.filter(pk=chain[-1].replaces_id).first()
        if before is None:
            break
        seen.add(before.pk)
        chain.append(before)
    return chain


def _lots(
    rule: SamplingRule, *, worker_id: int | None = None, before: date | None = None
) -> list[tuple[float, int]]:
    """Each lot's red share and its draw's id, oldest first: each draw of the rule (and the rules
    it replaced) with a reviewed item, or each reviewed item of ``worker_id``."""
    draws = SampleDraw.objects.filter(rule__in=[r.pk for r in rule_lineage(rule)])
    if before is not None:
        draws = draws.filter(period_end__lt=before)
    items = SampleItem.objects.filter(draw__in=draws)
    if worker_id is not None:
        items = items.filter(worker_id=worker_id)
    items = items.order_by("draw__period_end", "item_on", "pk")
    ratings = _item_ratings(items)
    rows = items.values_list("pk", "draw_id")
    if worker_id is not None:
        return [(1.0 if ratings[pk] == "red" else 0.0, d) for pk, d in rows if pk in ratings]
    by_draw: dict[int, list[str]] = defaultdict(list)
    order: list[int] = []
    for pk, draw_id in rows:
        if pk in ratings:
            if draw_id not in by_draw:
                order.append(draw_id)
            by_draw[draw_id].append(ratings[pk])
    return [(sum(r == "red" for r in by_draw[d]) / len(by_draw[d]), d) for d in order]


def rule_lots(
    rule: SamplingRule, *, worker_id: int | None = None, before: date | None = None
) -> list[float]:
    """The red share of each lot, oldest first (see ``_lots``)."""
    return [share for share, _draw in _lots(rule, worker_id=worker_id, before=before)]


def level_events(rule: SamplingRule, *, worker_id: int | None = None):
    """The recorded resumptions of the rule (and the rules it replaced), oldest first; per person,
    that person's."""
    return QALevelEvent.objects.filter(
        rule__in=[r.pk for r in rule_lineage(rule)], worker_id=worker_id
    ).select_related("recorded_by", "worker")


def rule_level(
    rule: SamplingRule, *, worker_id: int | None = None, before: date | None = None
) -> tuple[str, str]:
    """The level replayed from the recorded lots and resumptions: a resumption comes after the lots
    of the draws made before it was recorded (ids up to its ``after_draw_id``)."""
    lots = _lots(rule, worker_id=worker_id, before=before)
    resumes = [
        sum(1 for _share, draw_id in lots if draw_id <= (event.after_draw_id or 0))
        for event in level_events(rule, worker_id=worker_id)
    ]
    return rules.qa_level_replay(rule_scheme(rule), [s for s, _d in lots], resumes)


def discontinued_people(rule: SamplingRule) -> list[tuple[int, str]]:
    """For a rule levelled per person: the people (id, name) whose level is discontinued."""
    if rule.method != RuleMethod.ADAPTIVE or not rule.per_person:
        return []
    workers = (
        SampleItem.objects.filter(draw__rule__in=[r.pk for r in rule_lineage(rule)])
        .exclude(worker__isnull=True)
        .values_list("worker_id", "worker__first_name", "worker__last_name")
        .distinct()
    )
    return [
        (pk, f"{first} {last}".strip())
        for pk, first, last in sorted(set(workers))
        if rule_level(rule, worker_id=pk)[0] == rules.QA_LEVEL_DISCONTINUED
    ]


def month_start(day: date) -> date:
    return day.replace(day=1)


def drawn_in_month(rule: SamplingRule, day: date) -> int:
    """Items already drawn by ``rule`` for periods starting in ``day``'s month (the cap's count)."""
    start = month_start(day)
    end = (start + timedelta(days=32)).replace(day=1)
    return SampleItem.objects.filter(
        draw__rule=rule, draw__period_start__gte=start, draw__period_start__lt=end
    ).count()


def red_since(worker_ids, since: date) -> set[int]:
    """Of ``worker_ids``, those with a review rated red (as it stands) since ``since``."""
    return set(
        QAReview.objects.filter(
            item__worker_id__in=worker_ids, final_rating="red", reviewed_at__date__gte=since
        ).values_list("item__worker_id", flat=True)
    )


# ------------------------------------------------------------------------------------------------
# The rules page


@dataclass
class RuleRow:
    rule: SamplingRule
    kind_label: str
    level: str
    level_reason: str
    weekly_volume: float
    weekly_sample: float
    detection: list[tuple[float, float]]  # (error rate, probability within the weeks asked)
    draws: int
    discontinued_people: list[tuple[int, str]] | None = None

    @property
    def discontinued(self) -> bool:
        return self.level == rules.QA_LEVEL_DISCONTINUED or bool(self.discontinued_people)


def weekly_volume(rule: SamplingRule, today: date) -> float:
    """Items a week that the rule draws from: the population over the lookback, per week."""
    days = rules.QA_VOLUME_LOOKBACK_DAYS
    items = assurance.population(rule.kind_key, today - timedelta(days=days), today)
    if rule.category:
        items = [i for i in items if i.category == rule.category]
    return len(items) * 7 / days


def weekly_sample(rule: SamplingRule, volume: float, level: str) -> float:
    rate = rule_scheme(rule).rate(level) if rule.method == RuleMethod.ADAPTIVE else rule.rate
    if rule.method == RuleMethod.CATEGORY:
        rate = 1.0
    sample = volume * rate
    if level == rules.QA_LEVEL_DISCONTINUED:
        return sample  # all of the population: the monthly cap does not apply
    if rule.monthly_cap is not None:
        sample = min(sample, rule.monthly_cap / rules.QA_WEEKS_PER_MONTH)
    return sample


def rule_rows(*, weeks: int, error_rates=rules.QA_DETECTION_ERROR_RATES) -> list[RuleRow]:
    """The rules in force (a replaced rule is on its successor's history), each with its row."""
    in_force = SamplingRule.objects.filter(is_active=True).order_by("kind_key", "name")
    return [rule_row(rule, weeks=weeks, error_rates=error_rates) for rule in in_force]


def current_checklist(kind_key: str) -> Checklist | None:
    return (
        Checklist.objects.filter(kind_key=kind_key, is_current=True)
        .prefetch_related("questions")
        .first()
    )


def checklists() -> list[Checklist]:
    return list(Checklist.objects.prefetch_related("questions").order_by("kind_key", "-version"))


def kind_choices() -> list[tuple[str, str]]:
    return [(k.key, k.label) for k in assurance.work_kinds()]


def recent_draws(limit: int = 20):
    return SampleDraw.objects.select_related("rule", "drawn_by").annotate(
        n_items=Count("items", distinct=True),
        n_reviewed=Count("items", filter=Q(items__reviews__isnull=False), distinct=True),
    )[:limit]


# ------------------------------------------------------------------------------------------------
# Access: assurance readers see everything; a reviewed person sees their own reviews


def access_rule(user, pk: int) -> SamplingRule:
    if not user.has_perm(perms.QA_VIEW):
        raise Http404
    try:
        return SamplingRule.objects.get(pk=pk)
    except SamplingRule.DoesNotExist:
        raise Http404 from None


def access_draw(user, pk: int) -> SampleDraw:
    if not user.has_perm(perms.QA_VIEW):
        raise Http404
    try:
        return SampleDraw.objects.select_related("rule", "drawn_by").get(pk=pk)
    except SampleDraw.DoesNotExist:
        raise Http404 from None


def access_item(user, pk: int) -> SampleItem:
    try:
        item = SampleItem.objects.select_related("draw__rule", "worker", "team").get(pk=pk)
    except SampleItem.DoesNotExist:
        raise Http404 from None
    if not (user.has_perm(perms.QA_VIEW) or item.worker_id == user.pk):
        raise Http404
    return item


def access_review(user, pk: int) -> QAReview:
    try:
        review = QAReview.objects.select_related(
            "item__draw__rule", "item__worker", "item__team", "reviewer", "checklist"
        ).get(pk=pk)
    except QAReview.DoesNotExist:
        raise Http404 from None
    if not (user.has_perm(perms.QA_VIEW) or review.item.worker_id == user.pk):
        raise Http404
    return review


def access_dispute(user, pk: int) -> QADispute:
    try:
        dispute = QADispute.objects.select_related("review__item", "raised_by").get(pk=pk)
    except QADispute.DoesNotExist:
        raise Http404 from None
    if not (user.has_perm(perms.QA_VIEW) or dispute.raised_by_id == user.pk):
        raise Http404
    return dispute


def access_learning_item(user, pk: int) -> LearningItem:
    """A learning item, to the person it is for only (404 to anyone else)."""
    item = LearningItem.objects.filter(pk=pk, user_id=user.pk).first()
    if item is None:
        raise Http404
    return item


def review_answers(review: QAReview):
    return QAAnswer.objects.filter(review=review).select_related("question")


def open_disputes():
    return QADispute.objects.filter(outcome="").select_related(
        "review__item", "review__reviewer", "raised_by"
    )


def my_reviews(user):
    return QAReview.objects.filter(item__worker=user).select_related("item", "reviewer")


def my_learning(user):
    return LearningItem.objects.filter(user=user).select_related("question", "review")


def items_to_review(limit: int = 50):
    return (
        SampleItem.objects.filter(reviews__isnull=True)
        .select_related("draw__rule", "worker", "team")
        .order_by("item_on", "pk")[:limit]
    )


# ------------------------------------------------------------------------------------------------
# Team observations (003 §7.46) and trends (003 Figure 10)


@dataclass
class ObservationRow:
    team_id: int
    team_name: str
    last: TeamObservation | None
    next_due_on: date | None
    overdue: bool
    in_year: int


def observation_rows(teams) -> list[ObservationRow]:
    today = clock.today()
    year_ago = today - timedelta(days=365)
    latest: dict[int, TeamObservation] = {}
    counts: Counter = Counter()
    for obs in TeamObservation.objects.order_by("observed_on", "pk"):
        latest[obs.team_id] = obs
        if obs.observed_on >= year_ago:
            counts[obs.team_id] += 1
    rows = []
    for team in teams:
        last = latest.get(team.pk)
        due = last.next_due_on if last else None
        rows.append(
            ObservationRow(
                team_id=team.pk,
                team_name=team.name,
                last=last,
                next_due_on=due,
                overdue=due is None or due < today,
                in_year=counts[team.pk],
            )
        )
    return rows


TREND_BY = {"team": "Team", "person": "Person", "question": "Checklist question"}


@dataclass
class TrendRow:
    label: str
    months: list[tuple[int, int]]  # (red or amber, answered) per month
    total_failed: int
    total: int

    @property
    def compliance(self) -> float | None:
        return None if not self.total else 1 - self.total_failed / self.total


def trend_months(today: date, count: int = 12) -> list[date]:
    first = month_start(today)
    months = [first]
    while len(months) < count:
        months.append(month_start(months[-1] - timedelta(days=1)))
    return list(reversed(months))


def trends(*, by: str, months: list[date]) -> list[TrendRow]:
    """Answers by month, grouped by team, person or question: how many were red or amber of
    how many answered (compliance = green share; 003 Figure 10's "compliance with guidance")."""
    start = months[0]
    answers = QAAnswer.objects.filter(review__reviewed_at__date__gte=start).select_related(
        "review__item__team", "review__item__worker", "question"
    )
    index = {m: i for i, m in enumerate(months)}
    grid: dict[str, list[list[int]]] = defaultdict(lambda: [[0, 0] for _ in months])
    for a in answers:
        month = month_start(a.review.reviewed_at.astimezone(clock.LONDON).date())
        if month not in index:
            continue
        item = a.review.item
        if by == "team":
            label = item.team.name if item.team else "No team"
        elif by == "person":
            label = item.worker.display_name if item.worker else "Unknown"
        else:
            label = f"{assurance.work_kind_label(item.kind_key)}: {a.question.text}"
        cell = grid[label][index[month]]
        cell[1] += 1
        if a.rating != "green":
            cell[0] += 1
    return [
        TrendRow(
            label=label,
            months=[(c[0], c[1]) for c in cells],
            total_failed=sum(c[0] for c in cells),
            total=sum(c[1] for c in cells),
        )
        for label, cells in sorted(grid.items())
    ]


def monthly_compliance(months: list[date]) -> list[float]:
    """The share of answers rated green each month (for the trends chart)."""
    rows = trends(by="team", months=months)
    out = []
    for i in range(len(months)):
        total = sum(r.months[i][1] for r in rows)
        failed = sum(r.months[i][0] for r in rows)
        out.append(round(100 * (1 - failed / total), 1) if total else 0.0)
    return out


def rule_row(rule: SamplingRule, *, weeks: int, error_rates=rules.QA_DETECTION_ERROR_RATES):
    """The rules page's row for one rule: its level, volume, sample and chance of detection."""
    level, reason = ("", "")
    people = None
    if rule.method == RuleMethod.ADAPTIVE:
        if rule.per_person:
            level, reason = ("normal", "Levelled per person: each person's level is shown on draws")
            people = discontinued_people(rule)
        else:
            level, reason = rule_level(rule)
    volume = weekly_volume(rule, clock.today())
    sample = weekly_sample(rule, volume, level or "normal")
    return RuleRow(
        rule=rule,
        kind_label=assurance.work_kind_label(rule.kind_key),
        level=level,
        level_reason=reason,
        weekly_volume=volume,
        weekly_sample=sample,
        detection=[
            (p, rules.qa_detection_probability(error_rate=p, weekly_sample=sample, weeks=weeks))
            for p in error_rates
        ],
        draws=rule.draws.count(),
        discontinued_people=people,
    )
