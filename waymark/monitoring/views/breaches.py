"""Breaches, mitigation, the ladder and referrals; reviews and challenges."""

from __future__ import annotations

from datetime import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from waymark.core.clock import LONDON
from waymark.core.permissions import requires
from waymark.monitoring import forms as f
from waymark.monitoring import rules, selectors, services
from waymark.monitoring.models import EVIDENCE_CHECKLIST
from waymark.monitoring.views._common import EM, _form, _person_url
from waymark.people.pages import person_page_context


@requires(EM)
def breach(request, pk: int):
    record = selectors.access_breach(request.user, pk)
    context = person_page_context(request, record.person, "monitoring")
    context.update(
        {
            "breach": record,
            "mitigations": record.mitigations.all(),
            "ladder": selectors.ladder_position(record.person),
            "step": rules.ESCALATION_LADDER[record.ladder_step - 1] if record.ladder_step else None,
            "action": getattr(record, "ladder_action", None),
            "counted": record.accumulated,
        }
    )
    return render(request, "monitoring/breach.html", context)


@requires(EM)
@require_http_methods(["GET", "POST"])
def breach_ladder_apply(request, pk: int):
    """Check before applying: the step, the letter exactly as it will be sent, the explanation's
    state; applying needs the confirmation this page posts."""
    record = selectors.access_breach(request.user, pk)
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        context = person_page_context(request, record.person, "monitoring")
        context.update(
            {"breach": record, **services.ladder_preview(actor=request.user, breach=record)}
        )
        return render(request, "monitoring/ladder_confirm.html", context)
    try:
        action = services.ladder_apply(actor=request.user, breach=record)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            f"Escalation ladder step {action.step} applied"
            + (": the letter is on the person's documents" if action.letter else ""),
        )
    return redirect("monitoring:breach", record.pk)


@requires(EM)
@require_http_methods(["GET", "POST"])
def mitigation_new(request, pk: int):
    record = selectors.access_breach(request.user, pk)
    form = f.MitigationForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        record.person,
        form,
        title="Record an explanation for the breach",
        submit="Record",
        back=reverse("monitoring:breach", args=[record.pk]),
        action=lambda d: (
            services.mitigation_record(
                actor=request.user,
                breach=record,
                given_by=d["given_by"],
                explanation=d["explanation"],
                received_on=d["received_on"],
            ),
            reverse("monitoring:breach", args=[record.pk]),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def mitigation_decide(request, pk: int, mitigation_pk: int):
    record = selectors.access_breach(request.user, pk)
    mitigation = record.mitigations.filter(pk=mitigation_pk).first()
    if mitigation is None:
        from django.http import Http404

        raise Http404("No such explanation")
    form = f.MitigationDecisionForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        record.person,
        form,
        title="Decide the explanation",
        submit="Record the decision",
        intro=mitigation.explanation,
        back=reverse("monitoring:breach", args=[record.pk]),
        action=lambda d: (
            services.mitigation_decide(
                actor=request.user,
                mitigation=mitigation,
                decision=d["decision"],
                reasons=d["reasons"],
                communicated_on=d["communicated_on"],
                method=d["method"],
            ),
            reverse("monitoring:breach", args=[record.pk]),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def referral(request, pk: int):
    from waymark.monitoring.models import ProsecutionReferral

    record = ProsecutionReferral.objects.filter(
        pk=pk, person__in=selectors.em_person_queryset(request.user)
    ).first()
    if record is None:
        from django.http import Http404

        raise Http404("No such referral")
    initial = {
        "status": record.status,
        "checklist": [k for k, v in record.checklist.items() if v],
        "compliance_attempts": record.compliance_attempts,
        "outcome_note": record.outcome_note,
    }
    form = f.ReferralForm(request.POST if request.method == "POST" else None, initial=initial)
    return _form(
        request,
        record.person,
        form,
        title="Prosecution referral case file",
        submit="Save",
        intro="Refer to the criminal investigations team when every item of evidence is in the file "
        "(000 §5.19, note 22).",
        action=lambda d: (
            services.referral_update(
                actor=request.user,
                referral=record,
                status=d["status"],
                checklist={key: key in d["checklist"] for key, _ in EVIDENCE_CHECKLIST},
                compliance_attempts=d["compliance_attempts"],
                outcome_note=d["outcome_note"],
            ),
            _person_url(record.person),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def review(request, pk: int):
    record = selectors.access_review(request.user, pk)
    if record.status == "awaiting_sign_off":
        form = f.SignOffForm(request.POST if request.method == "POST" else None)
        return _form(
            request,
            record.person,
            form,
            title="Sign off the EM review",
            submit="Record sign-off",
            intro=f"Outcome proposed: {record.get_outcome_display()}. Ceasing or varying EM needs a "
            f"{rules.SIGN_OFF_GRADE.label} or above to sign it off (000 §3.11, §5.77).",
            extra={"review": record, "before_form": "monitoring/_review_reasons.html"},
            action=lambda d: (
                services.review_sign_off(
                    actor=request.user, review=record, agree=d["agree"] == "yes", note=d["note"]
                ),
                _person_url(record.person),
            )[1],
        )
    if record.status == "completed":
        context = person_page_context(request, record.person, "monitoring")
        context.update({"review": record})
        return render(request, "monitoring/review_done.html", context)
    form = f.ReviewDecideForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        record.person,
        form,
        title=f"EM review due {record.due_on:%-d %B %Y}",
        submit="Record the review",
        intro="Consider each head. Ceasing or varying EM goes to an HEO for sign-off.",
        action=lambda d: (
            services.review_decide(
                actor=request.user,
                review=record,
                outcome=d["outcome"],
                reasons_vulnerability=d["reasons_vulnerability"],
                reasons_medical=d["reasons_medical"],
                reasons_convention_rights=d["reasons_convention_rights"],
                reasons_harm=d["reasons_harm"],
            ),
            _person_url(record.person),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def challenge_new(request, pk: int):
    subject = selectors.access_em_person(request.user, pk)
    form = f.ChallengeForm(request.POST if request.method == "POST" else None)
    return _form(
        request,
        subject,
        form,
        title="Record representations or a challenge",
        submit="Record",
        action=lambda d: (
            services.challenge_record(
                actor=request.user,
                person=subject,
                kind=d["kind"],
                received_on=d["received_on"],
                from_party=d["from_party"],
                summary=d["summary"],
                is_complaint=d["is_complaint"],
                court_deadline=f.at(d["court_deadline"], time(16, 0))
                if d["court_deadline"]
                else None,
            ),
            _person_url(subject),
        )[1],
    )


@requires(EM)
@require_http_methods(["GET", "POST"])
def challenge_respond(request, pk: int):
    record = selectors.access_challenge(request.user, pk)
    form = f.ChallengeRespondForm(request.POST if request.method == "POST" else None)
    due = record.due_at.astimezone(LONDON)
    return _form(
        request,
        record.person,
        form,
        title=f"Answer the {record.get_kind_display().lower()}",
        submit="Record the outcome",
        intro=f"{record.summary} - due {due:%-d %B %Y} ({record.deadline_basis}).",
        action=lambda d: (
            services.challenge_respond(
                actor=request.user, challenge=record, outcome=d["outcome"], reasons=d["reasons"]
            ),
            _person_url(record.person),
        )[1],
    )
