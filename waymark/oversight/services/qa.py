"""Oversight writes: quality assurance (issue 20 item 1).

Checklists are seeded per kind of work; sampling rules are validated (a rate outside 0-100% or a
negative cap is refused, nothing saved); a draw is seeded and recorded (seed, population with its
hash and count, strata with rate and level, what was left of the monthly cap, the ids drawn), so
``sample_rederive`` gives the same ids from the record alone. Reviews are first line (line
managers) or second line (assurance team), never by the person who did the work; a red or amber
answer needs a coded reason; a failure becomes a learning item for the person and, where the
reviewer names one, a corrective task on the case (``waymark.work``). The reviewed person may
dispute a review once; the dispute is decided by the assurance team (not the reviewer, not the
disputer) and kept. Team observations set the next one due by their rating (003 §7.46).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import assurance, clock, sampling
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    Checklist,
    ChecklistQuestion,
    RuleMethod,
    SampleDraw,
    SampleItem,
    SamplingRule,
)
from waymark.oversight.qa_checklists import CHECKLISTS
from waymark.oversight.registrations import (
    QA_TASK_REVIEW,
)
from waymark.oversight.selectors import qa as sel
from waymark.oversight.services.qa_admin import (  # noqa: F401 - one import for callers
    _rule_payload,
    _rule_values,
    checklist_new_version,
    rule_change,
    rule_end,
    rule_resume,
)
from waymark.oversight.services.qa_common import _audit, _require, _user
from waymark.oversight.services.qa_reviews import (  # noqa: F401 - one import for callers
    dispute_decide,
    dispute_raise,
    learning_item_done,
    observation_record,
    review_record,
)
from waymark.work import services as work

# ------------------------------------------------------------------------------------------------
# Checklists


def checklists_seed(*, actor) -> dict[str, int]:
    """Load the seeded checklists (qa_checklists.py) as version 1 of each kind; idempotent."""
    created = 0
    now = clock.now()
    with transaction.atomic():
        for kind_key, title, questions in CHECKLISTS:
            if Checklist.objects.filter(kind_key=kind_key).exists():
                continue
            checklist = Checklist.objects.create(
                kind_key=kind_key,
                version=1,
                title=title,
                created_at=now,
                created_by=_user(actor),
            )
            ChecklistQuestion.objects.bulk_create(
                ChecklistQuestion(
                    checklist=checklist,
                    order=i,
                    code=code,
                    area=area,
                    text=text,
                    guidance=guidance,
                    weight=weight,
                    failure_reasons=[list(r) for r in reasons],
                )
                for i, (code, area, text, guidance, weight, reasons) in enumerate(questions, 1)
            )
            created += 1
        if created:
            _audit(
                actor=actor,
                verb="oversight.qa_checklists_seeded",
                target=None,
                payload={"created": created},
            )
    return {"created": created}


# ------------------------------------------------------------------------------------------------
# Sampling rules and draws


def rule_create(*, actor, **fields) -> SamplingRule:
    """A new sampling rule (the fields of ``_rule_values``); refused with the reasons, nothing
    saved, when any is wrong."""
    _require(actor, perms.QA_CONFIGURE, "configure sampling rules")
    values = _rule_values(**fields)
    with transaction.atomic():
        rule = SamplingRule.objects.create(
            **values, created_at=clock.now(), created_by=_user(actor)
        )
        _audit(
            actor=actor, verb="oversight.qa_rule_created", target=rule, payload=_rule_payload(rule)
        )
    return rule


def _candidates(rule: SamplingRule, start: date, end: date) -> list[assurance.WorkItem]:
    if rule.method == RuleMethod.TIME:
        age = timedelta(days=rule.age_days or 0)
        items = assurance.population(rule.kind_key, start - age, end - age)
    else:
        items = assurance.population(rule.kind_key, start, end)
    if rule.category:  # any method may be limited to a category; "all of a category" must be
        items = [i for i in items if i.category == rule.category]
    if rule.method == RuleMethod.NEW_STAFF:
        joined = dict(
            get_user_model()
            .objects.filter(pk__in={i.worker_id for i in items})
            .values_list("pk", "date_joined")
        )
        limit = timedelta(days=rules.QA_NEW_STAFF_DAYS)
        items = [
            i
            for i in items
            if i.worker_id in joined
            and i.on - joined[i.worker_id].astimezone(clock.LONDON).date() <= limit
        ]
    elif rule.method == RuleMethod.AFTER_FAILURE:
        failed = sel.red_since(
            {i.worker_id for i in items}, start - timedelta(days=rules.QA_AFTER_FAILURE_DAYS)
        )
        items = [i for i in items if i.worker_id in failed]
    return items


def _strata(rule: SamplingRule, items, period_start: date) -> tuple[list[dict], str, str]:
    """How the population is split and the rate each part is drawn at; the overall level and why."""
    ids = sorted({i.id for i in items})
    if rule.method != RuleMethod.ADAPTIVE:
        return [{"key": "all", "level": "", "rate": rule.rate, "ids": ids}], "", ""
    scheme = sel.rule_scheme(rule)
    if not rule.per_person:
        level, reason = sel.rule_level(rule, before=period_start)
        return (
            [{"key": "all", "level": level, "rate": scheme.rate(level), "ids": ids}],
            level,
            reason,
        )
    by_worker: dict[int | None, set[int]] = defaultdict(set)
    for i in items:
        by_worker[i.worker_id].add(i.id)
    strata = []
    for worker_id in sorted(by_worker, key=lambda w: w or 0):
        level, _ = (
            sel.rule_level(rule, worker_id=worker_id, before=period_start)
            if worker_id
            else (scheme.start_level, "")
        )
        strata.append(
            {
                "key": f"user:{worker_id}",
                "level": level,
                "rate": scheme.rate(level),
                "ids": sorted(by_worker[worker_id]),
            }
        )
    return strata, "per person", "Each person's level follows their own recent reviews"


def _draw_ids(strata: list[dict], seed: int, cap_remaining: int | None) -> list[int]:
    """Each stratum at its rate, then the monthly cap on all but the discontinued strata (those are
    drawn whole: ISO 2859-1's discontinue samples everything until a corrective action)."""
    chosen: set[int] = set()
    whole: set[int] = set()
    for stratum in strata:
        if stratum.get("level") == rules.QA_LEVEL_DISCONTINUED:
            whole.update(stratum["ids"])
        else:
            chosen.update(sampling.draw(stratum["ids"], stratum["rate"], seed))
    if cap_remaining is not None:
        chosen = set(sampling.draw(chosen, 1.0, seed, limit=cap_remaining))
    return sorted(chosen | whole)


def sample_draw(
    *, actor, rule: SamplingRule, period_start: date, period_end: date, seed: int | None = None
) -> SampleDraw:
    """Draw the rule's sample of the work done in the period, record it and give each item a
    review task in the drawer's team queue."""
    _require(actor, perms.QA_CONFIGURE, "draw samples")
    errors: dict[str, str] = {}
    if period_start is None or period_end is None:
        errors["period_start"] = "Enter the start and end of the period"
    elif period_end < period_start:
        errors["period_end"] = "The end of the period must not be before its start"
    elif period_end > clock.today():
        errors["period_end"] = "The period must have ended before it is sampled"
    elif not rule.is_active and (rule.ends_on is None or period_end > rule.ends_on):
        errors["period_start"] = "This rule is no longer in force" + (
            f": it ended on {rule.ends_on:%-d %B %Y}" if rule.ends_on else ""
        )
    elif rule.starts_on is not None and period_start < rule.starts_on:
        errors["period_start"] = f"This rule is in force from {rule.starts_on:%-d %B %Y}"
    if errors:
        raise ValidationError(errors)
    items = _candidates(rule, period_start, period_end)
    if not items:
        raise ValidationError({"period_start": "There is no work of this kind in the period"})
    by_id = {i.id: i for i in items}
    population = sorted(by_id)
    strata, level, reason = _strata(rule, items, period_start)
    seed = seed if seed is not None else sampling.new_seed()
    with transaction.atomic():
        # Under the rule's row lock: two draws at once cannot both cover the period or both
        # spend the same monthly cap.
        SamplingRule.objects.select_for_update().get(pk=rule.pk)
        if SampleDraw.objects.filter(
            rule=rule, period_start__lte=period_end, period_end__gte=period_start
        ).exists():
            raise ValidationError(
                {
                    "period_start": "This rule has already drawn a sample covering part of this period"
                }
            )
        cap_remaining = None
        if rule.monthly_cap is not None:
            cap_remaining = max(0, rule.monthly_cap - sel.drawn_in_month(rule, period_start))
        drawn = _draw_ids(strata, seed, cap_remaining)
        if cap_remaining is not None and len(drawn) < len(_draw_ids(strata, seed, None)):
            reason = (reason + "; " if reason else "") + (
                f"the monthly cap of {rule.monthly_cap} left {cap_remaining}"
            )
        draw = SampleDraw.objects.create(
            rule=rule,
            period_start=period_start,
            period_end=period_end,
            drawn_at=clock.now(),
            drawn_by=_user(actor),
            seed=seed,
            population=population,
            population_count=len(population),
            population_hash=sampling.population_hash(population),
            strata=strata,
            cap_remaining=cap_remaining,
            drawn=drawn,
            level=level,
            reason=reason[:500],
        )
        SampleItem.objects.bulk_create(
            SampleItem(
                draw=draw,
                kind_key=rule.kind_key,
                item_id=pk,
                worker_id=by_id[pk].worker_id,
                team_id=by_id[pk].team_id,
                person_id=by_id[pk].person_id,
                item_on=by_id[pk].on,
                url=by_id[pk].url[:300],
            )
            for pk in drawn
        )
        team = getattr(actor, "primary_team", None)
        if team is not None and drawn:
            queue = work.queue_for(team=team, kind="qa-review", name=f"{team.name}: QA reviews")
            label = assurance.work_kind_label(rule.kind_key)
            work.tasks_bulk_create(
                actor=actor,
                specs=[
                    {
                        "task_type": QA_TASK_REVIEW,
                        "title": f"Review {label.lower()} number {item.item_id}",
                        "subject": item,
                        "queue": queue,
                        "dedupe_key": f"oversight-qa-review-{item.pk}",
                    }
                    for item in draw.items.all()
                ],
            )
        _audit(
            actor=actor,
            verb="oversight.qa_sample_drawn",
            target=draw,
            payload={
                "rule": rule.pk,
                "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(),
                "seed": seed,
                "population_count": len(population),
                "population_hash": draw.population_hash,
                "strata": [{k: v for k, v in s.items() if k != "ids"} for s in strata],
                "cap_remaining": cap_remaining,
                "drawn": drawn,
            },
        )
    return draw


def sample_rederive(draw: SampleDraw) -> list[int]:
    """The ids the draw's recorded seed, strata and cap give: the same as ``draw.drawn``."""
    return _draw_ids(draw.strata, draw.seed, draw.cap_remaining)
