"""Decision letters (seed 002 rec 3b, "error-free decision letters"): RG, CG, minded-to and
reconsideration letters from the platform's letter templates (waymark.documents). A letter refuses
to render while any merge field it uses is missing or empty, naming the field: a blank in a
served letter is the error the recommendation is about. Service is recorded on the decision and on
the person's timeline (``documents.letter_record_service``, called from ``decision_serve``)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from waymark.core.jinja2 import govuk_date
from waymark.core.types import Actor
from waymark.documents.letters import merge_context
from waymark.documents.models import Document, LetterTemplate
from waymark.documents.services import letter_generate, letter_template_create
from waymark.nrm import permissions as perms
from waymark.nrm import rules
from waymark.nrm.models import Decision, DecisionStage, Disqualification, Reconsideration
from waymark.nrm.services._dcommon import record, require, require_sees

_COMMON_HEAD = (
    "{{ letter.date }}\n\nOur reference: {{ extra.reference }}\n\nDear {{ person.full_name }}\n\n"
)
_COMMON_FOOT = "\n\nYours sincerely\n\n{{ letter.sender_name }}\nCompetent authority\n"

TEMPLATES: dict[str, tuple[str, str]] = {
    "nrm-rg-decision": (
        "Reasonable grounds decision",
        _COMMON_HEAD + "National Referral Mechanism: reasonable grounds decision\n\n"
        "We have considered the referral made on {{ extra.referred_on }} against the test of "
        "{{ extra.legal_test }} that you are a victim of modern slavery.\n\n"
        "Decision: {{ extra.outcome }}\n\n{{ extra.rationale }}\n\n"
        "{{ extra.next_steps }}\n\nThis decision was made under {{ extra.guidance }}."
        + _COMMON_FOOT,
    ),
    "nrm-cg-decision": (
        "Conclusive grounds decision",
        _COMMON_HEAD + "National Referral Mechanism: conclusive grounds decision\n\n"
        "We have considered, on the {{ extra.legal_test }}, whether you are a victim of modern "
        "slavery.\n\nDecision: {{ extra.outcome }}\n\n{{ extra.rationale }}\n\n"
        "{{ extra.next_steps }}\n\nThis decision was made under {{ extra.guidance }}."
        + _COMMON_FOOT,
    ),
    "nrm-minded-to": (
        "Minded-to notice: public order disqualification",
        _COMMON_HEAD
        + "We are minded to disqualify you from protection on public order grounds.\n\n"
        "Grounds: {{ extra.grounds }}\n\nWhat this would mean: {{ extra.consequences }}\n\n"
        "You may respond by {{ extra.response_due_on }}. We will also assess the risk of you "
        "being re-trafficked before we decide." + _COMMON_FOOT,
    ),
    "nrm-reconsideration": (
        "Reconsideration decision",
        _COMMON_HEAD
        + "We have reconsidered the {{ extra.stage }} decision of {{ extra.decided_on }} at the "
        "request of {{ extra.requester }}.\n\nOutcome: {{ extra.result }}\n\n{{ extra.reasons }}"
        + _COMMON_FOOT,
    ),
}

_FIELD = re.compile(r"\{\{\s*(\w+)\.(\w+)\s*\}\}")


def letter_template(key: str) -> LetterTemplate:
    """The current version of the module's template ``key``, made the first time it is needed."""
    template = LetterTemplate.objects.filter(key=key, is_active=True).order_by("-version").first()
    if template is None:
        name, body = TEMPLATES[key]
        template = letter_template_create(actor=None, key=key, name=name, body=body)
    return template


def missing_fields(body: str, context: dict) -> list[str]:
    """The merge fields ``body`` uses that are missing or empty in ``context``."""
    missing = []
    for ns, key in _FIELD.findall(body):
        values = context.get(ns)
        value = values.get(key) if isinstance(values, dict) else None
        if value is None or not str(value).strip():
            name = f"{ns}.{key}"
            if name not in missing:
                missing.append(name)
    return missing


def _render(*, actor: Actor, key: str, person, extra: dict[str, str], target, referral) -> Document:
    template = letter_template(key)
    context = merge_context(person=person, sender=actor, extra=extra)
    context["extra"] = dict(context["extra"])
    missing = missing_fields(template.body, context)
    if missing:
        raise ValidationError(
            {
                "letter": "The letter cannot be made while a merge field is empty: "
                + ", ".join(missing)
            }
        )
    with transaction.atomic():
        document = letter_generate(actor=actor, template=template, person=person, extra=extra)
        record(
            actor=actor,
            verb="nrm.letter_generated",
            target=target,
            referral=referral,
            summary=f"{template.name} letter made",
            new={"document": document.pk, "template": key, "version": template.version},
        )
    return document


def _outcome_label(decision: Decision) -> str:
    outcomes = rules.RG_OUTCOMES if decision.stage == DecisionStage.RG else rules.CG_OUTCOMES
    return outcomes.get(decision.outcome, "")


def decision_letter_context(decision: Decision) -> dict[str, str]:
    referral = decision.referral
    if decision.stage == DecisionStage.RG:
        next_steps = (
            "You are entitled to a recovery period of at least "
            f"{rules.RECOVERY_PERIOD_DAYS} days while a conclusive grounds decision is made."
            if decision.positive
            else "You may ask for this decision to be reconsidered, through your first responder "
            f"or support provider, within {rules.RECONSIDERATION_WINDOW_DAYS} days."
        )
    else:
        next_steps = (
            "Your support provider will explain the support available to you."
            if decision.positive
            else "You may ask for this decision to be reconsidered, through your first responder "
            f"or support provider, within {rules.RECONSIDERATION_WINDOW_DAYS} days."
        )
    return {
        "reference": referral.reference,
        "referred_on": govuk_date(referral.received_at, empty=""),
        "legal_test": decision.legal_test,
        "outcome": _outcome_label(decision),
        "rationale": decision.rationale,
        "next_steps": next_steps,
        "guidance": str(decision.guidance) if decision.guidance_id else "",
    }


def decision_letter_generate(*, actor: Actor, decision: Decision) -> Document:
    """The RG or CG letter for ``decision``, stored on the person's record."""
    require(actor, perms.DECIDE, "make decision letters")
    referral = decision.referral
    require_sees(actor, referral)
    key = "nrm-rg-decision" if decision.stage == DecisionStage.RG else "nrm-cg-decision"
    return _render(
        actor=actor,
        key=key,
        person=referral.person,
        extra=decision_letter_context(decision),
        target=decision,
        referral=referral,
    )


def minded_to_letter_generate(*, actor: Actor, disqualification: Disqualification) -> Document:
    require(actor, perms.DECIDE, "make minded-to notices")
    referral = disqualification.referral
    require_sees(actor, referral)
    return _render(
        actor=actor,
        key="nrm-minded-to",
        person=referral.person,
        extra={
            "reference": referral.reference,
            "grounds": disqualification.grounds,
            "consequences": disqualification.consequences_stated,
            "response_due_on": govuk_date(disqualification.response_due_on, empty=""),
        },
        target=disqualification,
        referral=referral,
    )


def reconsideration_letter_generate(*, actor: Actor, reconsideration: Reconsideration) -> Document:
    require(actor, perms.DECIDE, "make reconsideration letters")
    decision = reconsideration.decision
    referral = decision.referral
    require_sees(actor, referral)
    if reconsideration.upheld is None:
        raise ValidationError({"letter": "The reconsideration has not been decided"})
    return _render(
        actor=actor,
        key="nrm-reconsideration",
        person=referral.person,
        extra={
            "reference": referral.reference,
            "stage": decision.get_stage_display().lower(),
            "decided_on": govuk_date(decision.served_at or decision.made_at, empty=""),
            "requester": reconsideration.requester_name,
            "result": "the decision stands"
            if reconsideration.upheld
            else "the decision is withdrawn and a new decision has been made",
            "reasons": reconsideration.reasons,
        },
        target=reconsideration,
        referral=referral,
    )
