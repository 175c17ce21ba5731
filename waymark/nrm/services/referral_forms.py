"""The referral form's versions: the questions a referral answers (a new version never alters an
old referral) and the check of a referral's answers against them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core import clock
from waymark.nrm import permissions as perms
from waymark.nrm import rules
from waymark.nrm.models import ReferralFormVersion
from waymark.nrm.services._common import (
    audit,
    invalid,
    require,
    user_of,
)


def referral_form_current(on: date | None = None) -> ReferralFormVersion:
    """The form version in force on ``on`` (today); the first version from rules when none exists."""
    on = on or clock.today()
    version = (
        ReferralFormVersion.objects.filter(effective_from__lte=on).order_by("-version").first()
    )
    if version is None:
        version = ReferralFormVersion.objects.order_by("version").first()
    if version is None:
        version, _ = ReferralFormVersion.objects.get_or_create(
            version=1,
            defaults={
                "effective_from": date(2000, 1, 1),
                "questions": rules.REFERRAL_FORM_V1,
                "created_at": clock.now(),
                "change_note": "First version",
            },
        )
    return version


def _questions_check(questions: Any) -> list[dict[str, Any]]:
    if not isinstance(questions, list) or not questions:
        raise ValidationError({"questions": "A form version needs at least one question"})
    keys = set()
    for q in questions:
        if not isinstance(q, dict) or not str(q.get("key", "")).strip():
            raise ValidationError({"questions": "Every question needs a key"})
        if not str(q.get("label", "")).strip():
            raise ValidationError({"questions": f"Question {q['key']} needs a label"})
        if q.get("type", "text") not in ("text", "string"):
            raise ValidationError({"questions": f"Question {q['key']} has an unknown type"})
        if q["key"] in keys:
            raise ValidationError({"questions": f"Question {q['key']} appears twice"})
        keys.add(q["key"])
    return [
        {
            "key": str(q["key"]).strip(),
            "label": str(q["label"]).strip(),
            "type": q.get("type", "text"),
            "required": bool(q.get("required", False)),
        }
        for q in questions
    ]


def referral_form_version_publish(
    *, actor, questions: list[dict[str, Any]], effective_from: date, change_note: str
) -> ReferralFormVersion:
    """A new version of the form. Old referrals keep the version they answered."""
    require(actor, perms.MANAGE, "publish a referral form")
    questions = _questions_check(questions)
    if not (change_note or "").strip():
        raise ValidationError({"change_note": "Say what changed in this version"})
    with transaction.atomic():
        latest = ReferralFormVersion.objects.select_for_update().order_by("-version").first()
        if latest and effective_from < latest.effective_from:
            raise ValidationError(
                {"effective_from": "A new version cannot take effect before the current one"}
            )
        version = ReferralFormVersion.objects.create(
            version=(latest.version + 1) if latest else 1,
            effective_from=effective_from,
            questions=questions,
            change_note=change_note.strip()[:300],
            created_at=clock.now(),
            created_by=user_of(actor),
        )
        audit(
            actor=actor,
            verb="nrm.form_version_published",
            target=version,
            version=version.version,
            effective_from=effective_from,
        )
    return version


def answers_validate(version: ReferralFormVersion, answers: Any) -> dict[str, str]:
    """The answers to ``version``'s questions, stripped; every required one present."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Answers must be given question by question"})
    errors: dict[str, str] = {}
    known = {q["key"]: q for q in version.questions}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        errors["answers"] = f"These are not questions on form v{version.version}: " + ", ".join(
            unknown
        )
    clean: dict[str, str] = {}
    for key, q in known.items():
        value = answers.get(key)
        value = "" if value is None else str(value).strip()
        if q.get("required") and not value:
            errors[key] = f"Answer: {q['label']}"
        if value:
            clean[key] = value
    invalid(errors)
    return clean
