"""Oversight writes: editing quality assurance (issue 20 item 1, part 2). A checklist's new
version (validated: questions with text, weights from 1 to ``QA_WEIGHT_MAX``, coded failure
reasons none repeated); a sampling rule's fields checked (a rate outside 0-100% or a negative cap
refused, nothing saved) for a new rule or a change; a change as a new rule replacing the old from a
date, with who and why; ending a rule with no successor; the corrective action that resumes
discontinued sampling (ISO 2859-1), recorded so the level is still replayed from the record.
Re-exported by ``services.qa``."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import assurance, clock
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    Checklist,
    ChecklistQuestion,
    QALevelEvent,
    RuleMethod,
    SampleDraw,
    SamplingRule,
)
from waymark.oversight.selectors import qa as sel
from waymark.oversight.services.qa_common import _audit, _require, _user

# ------------------------------------------------------------------------------------------------
# Checklist versions


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
        if not code.isprintable():
            # The code travels in a hidden input: a NUL or another control character in it is
            # tampering (PostgreSQL refuses a NUL outright), not something a reviewer typed.
            errors[f"q{i}_text"] = errors.get(f"q{i}_text") or (
                f"Question {i} was sent with a code that is not valid: reload the page"
            )
        elif code and code in codes_seen:
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
# Sampling rules: their fields, changes, resuming discontinued sampling


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


def rule_end(*, actor, rule: SamplingRule, ends_on: date | None, reason: str) -> SamplingRule:
    """End a rule without replacing it. ``ends_on`` is its last day in force: today at the
    latest, and not before the end of its last draw (no draw is left outside it) nor before its
    start date, if it has one. A rule that has not started yet (a change taking effect later) is
    ended the day before its start: it never comes into force. Its draws, reviews and history
    stay; no new draw covers a day after ``ends_on``. Refused, nothing saved, without a reason or
    on a rule already replaced or ended."""
    _require(actor, perms.QA_CONFIGURE, "end sampling rules")
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if len(reason) < rules.QA_REASON_MIN_CHARS:
        errors["reason"] = "Enter why the rule is ended"
    elif len(reason) > rules.TEXT_MAX_CHARS:
        errors["reason"] = f"The reason must be {rules.TEXT_MAX_CHARS} characters or fewer"
    if ends_on is None:
        errors["ends_on"] = "Enter the rule's last day in force"
    with transaction.atomic():
        old = SamplingRule.objects.select_for_update().get(pk=rule.pk)
        # A rule with no start date may sample periods before it was added: only its draws
        # bound its end. A replacing rule is in force from its ``starts_on``.
        before_start = old.starts_on - timedelta(days=1) if old.starts_on else None
        if not old.is_active:
            errors["ends_on"] = "This rule has already been replaced or ended"
        elif ends_on is not None and "ends_on" not in errors:
            last = old.draws.order_by("-period_end").values_list("period_end", flat=True).first()
            if before_start is not None and before_start >= clock.today():
                if ends_on != before_start:
                    errors["ends_on"] = (
                        f"This rule starts on {old.starts_on:%-d %B %Y}: to stop it coming into "
                        f"force, its last day is the day before, {before_start:%-d %B %Y}"
                    )
            elif ends_on > clock.today():
                errors["ends_on"] = "The last day in force must be today or in the past"
            elif before_start is not None and ends_on < before_start:
                errors["ends_on"] = (
                    "The last day in force cannot be before the rule started "
                    f"({old.starts_on:%-d %B %Y})"
                )
            elif last is not None and ends_on < last:
                errors["ends_on"] = (
                    f"The rule has drawn a sample up to {last:%-d %B %Y}: its last day in force "
                    "cannot be before that"
                )
        if errors:
            raise ValidationError(errors)
        assert ends_on is not None
        old.is_active = False
        old.ends_on = ends_on
        old.end_reason = reason
        old.save(update_fields=["is_active", "ends_on", "end_reason"])
        _audit(
            actor=actor,
            verb="oversight.qa_rule_ended",
            target=old,
            payload={
                "ends_on": ends_on.isoformat(),
                "reason": reason,
                "rule": _rule_payload(old),
            },
        )
    return old


def rule_resume(*, actor, rule: SamplingRule, reason: str, worker=None):
    """An assurance manager records the corrective action taken on a discontinued rule (or, for a
    rule levelled per person, on one person's work): the level resumes at tightened. Recorded, so
    the level is still replayed from the record. Refused unless the level is discontinued."""
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
