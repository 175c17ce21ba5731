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


def _clean_questions(questions: list[dict], taken: set[str], errors: dict[str, str]) -> list[dict]:
    """Each question's fields, with the faults named by the question's place (``q3_weight``)."""
    cleaned: list[dict] = []
    codes_seen: set[str] = set()
    for i, q in enumerate(questions, 1):
        text = (q.get("text") or "").strip()
        if not text:
            errors[f"q{i}_text"] = f"Enter the text of question {i}"
        elif len(text) > 300:
            errors[f"q{i}_text"] = f"Question {i} must be 300 characters or fewer"
        weight = q.get("weight", 1)
        try:
            weight = int(weight)
        except (TypeError, ValueError):
            weight = None
        if weight is None or weight < 1:
            errors[f"q{i}_weight"] = f"Question {i}'s weight must be a whole number of 1 or more"
        elif weight > rules.QA_WEIGHT_MAX:
            errors[f"q{i}_weight"] = f"Question {i}'s weight must be {rules.QA_WEIGHT_MAX} or less"
        reasons = [
            [str(code).strip(), str(label).strip()]
            for code, label in q.get("failure_reasons") or []
        ]
        reason_codes = [code for code, _label in reasons]
        duplicates = sorted({c for c in reason_codes if reason_codes.count(c) > 1})
        if not reasons:
            errors[f"q{i}_reasons"] = (
                f"Give question {i} at least one failure reason (red and amber answers need one)"
            )
        elif any(not code or not label for code, label in reasons):
            errors[f"q{i}_reasons"] = (
                f"Give each of question {i}'s failure reasons a code and a description"
            )
        elif duplicates:
            errors[f"q{i}_reasons"] = (
                f"Question {i} uses the failure reason code {', '.join(duplicates)} more than once"
            )
        code = (q.get("code") or "").strip()[:40]
        if code and code in codes_seen:
            errors[f"q{i}_text"] = errors.get(f"q{i}_text") or (
                f"Question {i} repeats another question (code {code})"
            )
        if not code:
            n = len(questions) + len(taken)
            while f"q{n}" in taken or f"q{n}" in codes_seen:
                n += 1
            code = f"q{n}"
        codes_seen.add(code)
        cleaned.append(
            {
                "code": code,
                "area": (q.get("area") or "").strip()[:100],
                "text": text[:300],
                "guidance": (q.get("guidance") or "").strip()[: rules.TEXT_MAX_CHARS],
                "weight": weight or 1,
                "failure_reasons": reasons,
            }
        )
    return cleaned


def checklist_new_version(*, actor, kind_key: str, title: str, questions: list[dict]) -> Checklist:
    """A new version of a kind's checklist; the old one stays for the reviews that used it.
    Each question: text, area, guidance, a weight (1 to ``QA_WEIGHT_MAX``), coded failure reasons
    ([[code, label], ...], none repeated), and a code kept across versions (new questions get
    one). Refused, nothing saved, with each fault named: no questions, a question without text, a
    weight not positive, a repeated failure reason code."""
    _require(actor, perms.QA_CONFIGURE, "change checklists")
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Enter the checklist's title"
    if assurance.work_kind(kind_key) is None:
        errors["kind_key"] = "Choose the kind of work the checklist checks"
    if not questions:
        errors["questions"] = "A checklist needs at least one question"
    taken = set(
        ChecklistQuestion.objects.filter(checklist__kind_key=kind_key).values_list(
            "code", flat=True
        )
    )
    cleaned = _clean_questions(questions or [], taken, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        old = Checklist.objects.select_for_update().filter(kind_key=kind_key)
        version = max((c.version for c in old), default=0) + 1
        old.update(is_current=False)
        checklist = Checklist.objects.create(
            kind_key=kind_key,
            version=version,
            title=title[:200],
            created_at=clock.now(),
            created_by=_user(actor),
        )
        ChecklistQuestion.objects.bulk_create(
            ChecklistQuestion(checklist=checklist, order=i, **q) for i, q in enumerate(cleaned, 1)
        )
        _audit(
            actor=actor,
            verb="oversight.qa_checklist_versioned",
            target=checklist,
            payload={
                "kind": kind_key,
                "version": version,
                "questions": [q["code"] for q in cleaned],
            },
        )
    return checklist


# ------------------------------------------------------------------------------------------------
# Sampling rules and draws


def _percent(value, field: str, errors: dict, *, required: bool) -> float | None:
    if value is None or value == "":
        if required:
            errors[field] = "Enter the rate as a percentage from 0 to 100"
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors[field] = "Enter the rate as a number from 0 to 100"
        return None
    if not 0 <= number <= 100:
        errors[field] = "The rate must be between 0% and 100%"
        return None
    return number / 100


def _rule_values(
    *,
    name: str,
    kind_key: str,
    method: str,
    rate_percent=None,
    monthly_cap: int | None = None,
    category: str = "",
    age_days: int | None = None,
    per_person: bool = False,
    tightened_percent=None,
    reduced_percent=None,
    scheme: dict | None = None,
    errors: dict[str, str] | None = None,
) -> dict:
    """A rule's fields from what was entered, or a ValidationError naming each fault (a rate
    outside 0-100%, a negative cap, ...). Nothing is saved here."""
    errors = errors if errors is not None else {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Enter a name for the rule"
    if assurance.work_kind(kind_key) is None:
        errors["kind_key"] = "Choose the kind of work the rule samples"
    if method not in RuleMethod.values:
        errors["method"] = "Choose how the rule samples"
    rate = _percent(rate_percent, "rate_percent", errors, required=method != RuleMethod.CATEGORY)
    tightened = _percent(tightened_percent, "tightened_percent", errors, required=False)
    reduced = _percent(reduced_percent, "reduced_percent", errors, required=False)
    if monthly_cap is not None and monthly_cap < 0:
        errors["monthly_cap"] = "The monthly cap cannot be negative"
    if method == RuleMethod.CATEGORY and not (category or "").strip():
        errors["category"] = "Enter the category drawn in full"
    if method == RuleMethod.TIME and (age_days is None or age_days < 0):
        errors["age_days"] = "Enter the age in days at which work is reviewed"
    unknown = set(scheme or {}) - set(rules.QAScheme.__dataclass_fields__)
    if unknown:
        errors["scheme"] = f"Unknown switching settings: {', '.join(sorted(unknown))}"
    if errors:
        raise ValidationError(errors)
    return {
        "name": name[:200],
        "kind_key": kind_key,
        "method": method,
        "rate": 1.0 if method == RuleMethod.CATEGORY or rate is None else rate,
        "monthly_cap": monthly_cap,
        "category": (category or "").strip()[:80],
        "age_days": age_days,
        "per_person": bool(per_person) and method == RuleMethod.ADAPTIVE,
        "tightened_rate": tightened,
        "reduced_rate": reduced,
        "scheme": scheme or {},
    }


def _rule_payload(rule: SamplingRule) -> dict:
    return {
        "name": rule.name,
        "kind": rule.kind_key,
        "method": rule.method,
        "rate": rule.rate,
        "monthly_cap": rule.monthly_cap,
        "category": rule.category,
        "age_days": rule.age_days,
        "per_person": rule.per_person,
        "tightened_rate": rule.tightened_rate,
        "reduced_rate": rule.reduced_rate,
        "scheme": rule.scheme,
    }


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


def rule_change(*, actor, rule: SamplingRule, starts_on: date | None, reason: str, **fields):
    """Change a rule: a new rule replaces it from ``starts_on`` and the old one ends the day before
    (both kept, with who changed it and why). The new rule carries the old one's history, so an
    adaptive rule's level (a discontinuance too) survives the change. Refused, nothing saved, on
    any wrong field, a missing reason, a date before the old rule's start or its last draw."""
    _require(actor, perms.QA_CONFIGURE, "change sampling rules")
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if len(reason) < rules.QA_REASON_MIN_CHARS:
        errors["reason"] = "Enter why the rule is changed"
    elif len(reason) > rules.TEXT_MAX_CHARS:
        errors["reason"] = f"The reason must be {rules.TEXT_MAX_CHARS} characters or fewer"
    today = clock.today()
    if starts_on is None:
        errors["starts_on"] = "Enter the date the change takes effect"
    elif starts_on > today + timedelta(days=rules.QA_RULE_CHANGE_MAX_DAYS_AHEAD):
        errors["starts_on"] = "The change must take effect within a year"
    try:
        values = _rule_values(errors=errors, **fields)
    except ValidationError:
        values = None
    with transaction.atomic():
        old = SamplingRule.objects.select_for_update().get(pk=rule.pk)
        if not old.is_active:
            errors["starts_on"] = "This rule has already been replaced or ended"
        elif starts_on is not None:
            if old.starts_on and starts_on <= old.starts_on:
                errors["starts_on"] = (
                    f"The change must take effect after the rule started ({old.starts_on:%-d %B %Y})"
                )
            last = old.draws.order_by("-period_end").values_list("period_end", flat=True).first()
            if last is not None and starts_on <= last:
                errors["starts_on"] = (
                    f"The rule has drawn a sample up to {last:%-d %B %Y}: the change must take "
                    "effect after that"
                )
        if errors or values is None:
            raise ValidationError(errors)
        assert starts_on is not None
        old.is_active = False
        old.ends_on = starts_on - timedelta(days=1)
        old.save(update_fields=["is_active", "ends_on"])
        new = SamplingRule.objects.create(
            **values,
            replaces=old,
            starts_on=starts_on,
            change_reason=reason,
            created_at=clock.now(),
            created_by=_user(actor),
        )
        _audit(
            actor=actor,
            verb="oversight.qa_rule_changed",
            target=new,
            payload={
                "replaces": old.pk,
                "starts_on": starts_on.isoformat(),
                "reason": reason,
                "old": _rule_payload(old),
                "new": _rule_payload(new),
            },
        )
    return new


def rule_resume(*, actor, rule: SamplingRule, reason: str, worker=None):
    """An assurance manager records the corrective action taken on a discontinued rule (or, for a
    rule levelled per person, on one person's work): the level resumes at tightened. Recorded, so
    the level is still replayed from the record. Refused unless the level is discontinued."""
    from waymark.oversight.models import QALevelEvent

    _require(actor, perms.QA_CONFIGURE, "resume discontinued sampling")
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if len(reason) < rules.QA_REASON_MIN_CHARS:
        errors["reason"] = "Enter the corrective action taken"
    elif len(reason) > rules.TEXT_MAX_CHARS:
        errors["reason"] = (
            f"The corrective action must be {rules.TEXT_MAX_CHARS} characters or fewer"
        )
    worker_id = getattr(worker, "pk", None)
    with transaction.atomic():
        SamplingRule.objects.select_for_update().get(pk=rule.pk)
        level, _ = sel.rule_level(rule, worker_id=worker_id)
        if level != rules.QA_LEVEL_DISCONTINUED:
            errors["reason"] = errors.get("reason") or (
                f"Sampling is {level}, not discontinued: there is nothing to resume"
            )
        if errors:
            raise ValidationError(errors)
        event = QALevelEvent.objects.create(
            rule=rule,
            worker_id=worker_id,
            reason=reason,
            after_draw_id=SampleDraw.objects.filter(rule__in=[r.pk for r in sel.rule_lineage(rule)])
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first(),
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        _audit(
            actor=actor,
            verb="oversight.qa_sampling_resumed",
            target=rule,
            payload={"event": event.pk, "worker": worker_id, "reason": reason},
        )
    return event


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
