"""Decision pages: RG and CG decisions (draft, revise, sign off, serve), letters, the
specialist's check and urgent service. Thin: each reads through the selectors and writes through
one service; a refusal comes back as a GOV.UK error summary with nothing saved. A referral the
user may not see is a 404. The follow-up pages (safeguarding, duty line, disqualification,
reconsideration) are in ``decisions_followup`` and joined here."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from waymark.core.forms import form_fields
from waymark.core.permissions import requires
from waymark.nrm import forms_decisions as f
from waymark.nrm import permissions as perms
from waymark.nrm import rules, services
from waymark.nrm import selectors as sel
from waymark.nrm.models import (
    Decision,
    Referral,
    SpecialistCheck,
)
from waymark.nrm.services.decisions import sign_off_blockers
from waymark.nrm.views import decisions_followup
from waymark.nrm.views._decisions_common import (
    _decision_facts,
    _form_page,
    _get,
    _page,
    _referral_url,
    _service,
    _viewed,
)

# ------------------------------------------------------------------------------------------------
# Decisions


@requires(perms.DECIDE)
@require_http_methods(["GET", "POST"])
def decision_new(request, pk: int, stage: str):
    referral = _get(Referral, pk, request.user, lambda r: r)
    if stage not in ("rg", "cg"):
        raise Http404("No such stage")
    form = f.DecisionForm(request.POST if request.method == "POST" else None, stage=stage)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = _service(
            form,
            lambda: services.decision_draft(
                actor=request.user,
                referral=referral,
                stage=stage,
                outcome=data["outcome"],
                evidence_considered=data["evidence_considered"],
                rationale=data["rationale"],
                safeguarding_level=data["safeguarding_level"] or None,
            ),
        )
        if decision is not None:
            messages.success(request, "Decision drafted")
            return redirect("nrm:decision", pk=decision.pk)
    label = "reasonable grounds" if stage == "rg" else "conclusive grounds"
    test = rules.RG_TEST if stage == "rg" else rules.CG_TEST
    return _form_page(
        request,
        form,
        title=f"Make a {label} decision",
        submit="Save draft",
        back=_referral_url(referral),
        facts=[("Referral", referral.reference), ("Legal test", test)],
    )


@requires(perms.VIEW)
@require_http_methods(["GET", "POST"])
def decision(request, pk: int):
    item = _get(Decision, pk, request.user, lambda d: d.referral)
    form = None
    refusal = None
    if item.status in ("draft", "returned") and item.decision_maker_id == request.user.pk:
        initial = {
            "outcome": item.outcome,
            "evidence_considered": item.evidence_considered,
            "rationale": item.rationale,
            "safeguarding_level": item.safeguarding_level or "",
        }
        bound = request.method == "POST" and request.POST.get("action") == "revise"
        form = f.DecisionForm(request.POST if bound else None, stage=item.stage, initial=initial)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if request.POST.get("action") == "sign_off":
            refusal = f.LetterForm({})  # carries a refusal to the error summary
            refusal.is_valid()
            if _service(
                refusal, lambda: services.decision_sign_off(actor=request.user, decision=item)
            ):
                messages.success(request, "Decision signed off")
                return redirect("nrm:decision", pk=item.pk)
        elif form.is_valid():
            data = form.cleaned_data
            if _service(
                form,
                lambda: services.decision_revise(
                    actor=request.user,
                    decision=item,
                    outcome=data["outcome"],
                    evidence_considered=data["evidence_considered"],
                    rationale=data["rationale"],
                    safeguarding_level=data["safeguarding_level"] or None,
                ),
            ):
                messages.success(request, "Decision saved")
                return redirect("nrm:decision", pk=item.pk)
    else:
        _viewed(request, item.referral, item)
    return _page(
        request,
        "decision.html",
        {
            "decision": item,
            "facts": _decision_facts(item),
            "checks": item.checks.all(),
            "advice": item.safeguarding_advice.all(),
            "blockers": sign_off_blockers(item) if item.status == "draft" else [],
            "actions": sel.decision_actions(request.user, item),
            "editable": form is not None,
            "back": _referral_url(item.referral),
            **({"fields": form_fields(form)} if form is not None else {}),
        },
        refusal if refusal is not None and refusal.errors else form,
    )


@requires(perms.VIEW)
@require_http_methods(["GET", "POST"])
def decision_serve(request, pk: int):
    item = _get(Decision, pk, request.user, lambda d: d.referral)
    form = f.ServeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def serve():
            letter = None
            if data["with_letter"]:
                letter = services.decision_letter_generate(actor=request.user, decision=item)
            return services.decision_serve(
                actor=request.user, decision=item, method=data["method"], letter=letter
            )

        if _service(form, serve):
            messages.success(request, "Decision served")
            return redirect("nrm:decision", pk=item.pk)
    return _form_page(
        request,
        form,
        title="Serve the decision",
        submit="Record service",
        back=reverse("nrm:decision", args=[item.pk]),
        facts=_decision_facts(item),
    )


@requires(perms.VIEW)
@require_http_methods(["GET", "POST"])
def letter(request, pk: int):
    """Make the decision letter (refused while any merge field is empty)."""
    item = _get(Decision, pk, request.user, lambda d: d.referral)
    form = f.LetterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        document = _service(
            form, lambda: services.decision_letter_generate(actor=request.user, decision=item)
        )
        if document is not None:
            messages.success(request, "Letter made and filed on the person's record")
            return redirect("nrm:decision", pk=item.pk)
    return _form_page(
        request,
        form,
        title="Make the decision letter",
        submit="Make the letter",
        back=reverse("nrm:decision", args=[item.pk]),
        facts=_decision_facts(item),
        intro="The letter is made from the current template and filed on the person's record. "
        "It is not made while any of its fields is empty.",
    )


# ------------------------------------------------------------------------------------------------
# Specialist checks and urgent service


@requires(perms.CHECK)
@require_http_methods(["GET", "POST"])
def check(request, pk: int):
    item = _get(SpecialistCheck, pk, request.user, lambda c: c.decision.referral)
    form = f.CheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["agree"] == "yes":
            call = lambda: services.check_agree(  # noqa: E731
                actor=request.user, check=item, reasons=data["reasons"]
            )
        else:
            call = lambda: services.check_disagree(  # noqa: E731
                actor=request.user, check=item, reasons=data["reasons"]
            )
        if _service(form, call):
            messages.success(request, "Check recorded")
            return redirect("nrm:decision", pk=item.decision_id)
    elif request.method == "GET":
        _viewed(request, item.decision.referral, item)
    decision = item.decision
    return _form_page(
        request,
        form,
        title="Check a negative decision",
        submit="Record the check",
        back=reverse("nrm:decision", args=[decision.pk]),
        facts=[
            *_decision_facts(decision),
            ("Evidence considered", decision.evidence_considered),
            ("Rationale", decision.rationale),
        ],
    )


@requires(perms.MANAGE)
@require_http_methods(["GET", "POST"])
def urgent_service(request, pk: int):
    item = _get(Decision, pk, request.user, lambda d: d.referral)
    form = f.UrgentServiceForm(request.POST if request.method == "POST" else None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _service(
            form,
            lambda: services.urgent_service_authorise(
                actor=request.user, decision=item, reason=form.cleaned_data["reason"]
            ),
        )
    ):
        messages.success(request, "Urgent service authorised: the check stays open")
        return redirect("nrm:decision", pk=item.pk)
    return _form_page(
        request,
        form,
        title="Authorise urgent service",
        submit="Authorise",
        back=reverse("nrm:decision", args=[item.pk]),
        facts=_decision_facts(item),
        intro="The decision may then be served before its specialist check; the check stays "
        "in the specialists' queue until it is done.",
    )


urlpatterns = [
    *decisions_followup.urlpatterns,
    path("referrals/<int:pk>/decisions/<str:stage>/new/", decision_new, name="decision-new"),
    path("decisions/<int:pk>/", decision, name="decision"),
    path("decisions/<int:pk>/serve/", decision_serve, name="decision-serve"),
    path("decisions/<int:pk>/letter/", letter, name="letter"),
    path("decisions/<int:pk>/urgent-service/", urgent_service, name="urgent-service"),
    path("checks/<int:pk>/", check, name="check"),
]
