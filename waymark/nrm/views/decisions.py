"""Decision pages: RG and CG decisions, the specialist's check, urgent service, safeguarding advice
and the duty line, disqualification, reconsideration and letters. Thin: each reads through the
selectors and writes through one service; a refusal comes back as a GOV.UK error summary with
nothing saved. A referral the user may not see is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_http_methods

from waymark.core.audit import audit_record
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.models import AuditAction
from waymark.core.permissions import requires, signed_in
from waymark.nrm import forms_decisions as f
from waymark.nrm import permissions as perms
from waymark.nrm import rules, services
from waymark.nrm import selectors as sel
from waymark.nrm.models import (
    Decision,
    Disqualification,
    DutyLineCall,
    Reconsideration,
    Referral,
    SafeguardingAdvice,
    SpecialistCheck,
)
from waymark.nrm.services.decisions import outcomes_for, sign_off_blockers

PAGE = 25


def _seen(user, referral: Referral) -> None:
    if not perms.may_see_referral(user, referral):
        raise Http404("No such referral")


def _viewed(request, referral: Referral, target) -> None:
    """The consultation audit of a page showing a referral's restricted content."""
    audit_record(
        actor=request.user,
        action=AuditAction.CONSULTATION,
        verb="nrm.decision_viewed",
        target=target,
        person_id=referral.person_id,
        payload={"route": request.resolver_match.view_name if request.resolver_match else ""},
    )


def _get(model, pk: int, user, referral_of: Callable[[Any], Referral]):
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise Http404("Not found")
    _seen(user, referral_of(obj))
    return obj


def _service(form, call) -> Any:
    try:
        return call()
    except ValidationError as exc:
        form_add_service_errors(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or "You may not do this")
    return None


def _page(request, template: str, context: dict, form=None):
    status = 400 if form is not None and form.is_bound and form.errors else 200
    if form is not None:
        context = {"form": form, "fields": form_fields(form), **context}
    return render(request, f"nrm/{template}", context, status=status)


def _form_page(request, form, *, title: str, submit: str, back: str, facts=(), intro=""):
    return _page(
        request,
        "decision_form.html",
        {"title": title, "submit": submit, "back": back, "facts": facts, "intro": intro},
        form,
    )


def _named(name: str) -> str:
    """A page of another helper's (merged later); the NRM home until then."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return "/nrm/"


def _referral_url(referral: Referral) -> str:
    """The referral's page (helper A's ``nrm:referral``); the NRM home until it is merged."""
    for name, args in (("nrm:referral", [referral.pk]), ("nrm:home", [])):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return "/nrm/"


def _decision_facts(decision: Decision) -> list[tuple[str, str]]:
    return [
        ("Referral", decision.referral.reference),
        ("Stage", decision.get_stage_display()),
        ("Outcome", outcomes_for(decision.stage).get(decision.outcome, decision.outcome)),
        ("Status", decision.get_status_display()),
        ("Legal test", decision.legal_test),
        ("Guidance", str(decision.guidance)),
        ("Decision maker", decision.decision_maker.display_name),
    ]


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


# ------------------------------------------------------------------------------------------------
# Safeguarding and the duty line


@requires(perms.ADVISE)
@require_http_methods(["GET", "POST"])
def safeguarding_advice(request, pk: int):
    item = _get(SafeguardingAdvice, pk, request.user, lambda a: a.decision.referral)
    form = f.AdviceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _service(
            form,
            lambda: services.safeguarding_advice_give(
                actor=request.user,
                advice=item,
                advice_text=data["advice_text"],
                no_action_required=data["no_action_required"],
                service_advice=data["service_advice"],
            ),
        ):
            messages.success(request, "Safeguarding advice given")
            return redirect("nrm:safeguarding-queue")
    elif request.method == "GET":
        _viewed(request, item.decision.referral, item)
    return _form_page(
        request,
        form,
        title=f"Safeguarding advice: level {item.level}",
        submit="Give advice",
        back=reverse("nrm:safeguarding-queue"),
        facts=[
            ("Referral", item.decision.referral.reference),
            ("Level", rules.SAFEGUARDING_LEVELS.get(item.level, str(item.level))),
            ("Formal advice on service required", "Yes" if item.formal_required else "No"),
        ],
    )


@requires(perms.ADVISE)
def safeguarding_queue(request):
    page = Paginator(sel.advice_queue(), PAGE).get_page(request.GET.get("page"))
    return _page(request, "safeguarding_queue.html", {"page": page})


@requires(perms.ADVISE)
@require_http_methods(["GET", "POST"])
def duty_line(request):
    form = f.DutyCallForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        call = _service(
            form,
            lambda: services.duty_call_log(
                actor=request.user,
                caller=data["caller"],
                summary=data["summary"],
                risk_level=data["risk_level"] or None,
                actions=data["actions"],
            ),
        )
        if call is not None:
            messages.success(request, "Call logged")
            return redirect("nrm:duty-call", pk=call.pk)
    calls = DutyLineCall.objects.select_related("call_handler").order_by("-received_at")
    page = Paginator(calls, PAGE).get_page(request.GET.get("page"))
    return _page(request, "duty_line.html", {"page": page}, form)


@requires(perms.ADVISE)
@require_http_methods(["GET", "POST"])
def duty_call(request, pk: int):
    item = DutyLineCall.objects.filter(pk=pk).first()
    if item is None:
        raise Http404("No such call")
    form = f.DutyFollowUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["step"] == "follow_up":
            call = lambda: services.duty_call_follow_up(  # noqa: E731
                actor=request.user, call=item, follow_up=data["text"]
            )
        else:
            call = lambda: services.duty_call_debrief(  # noqa: E731
                actor=request.user, call=item, debrief=data["text"]
            )
        if _service(form, call):
            messages.success(request, "Call updated")
            return redirect("nrm:duty-call", pk=item.pk)
    return _form_page(
        request,
        form,
        title="Duty-line call",
        submit="Save",
        back=reverse("nrm:duty-line"),
        facts=[
            ("Caller", item.caller),
            ("Status", item.get_status_display()),
            ("Summary", item.summary),
            ("Actions", item.actions or "None recorded"),
            ("Follow-up", item.follow_up or "Not yet"),
            ("Debrief", item.debrief or "Not yet"),
        ],
    )


# ------------------------------------------------------------------------------------------------
# Disqualification


@requires(perms.DECIDE)
@require_http_methods(["GET", "POST"])
def disqualification_new(request, pk: int):
    referral = _get(Referral, pk, request.user, lambda r: r)
    form = f.DisqualificationNoticeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item = _service(
            form,
            lambda: services.disqualification_notice_send(
                actor=request.user,
                referral=referral,
                grounds=data["grounds"],
                consequences_stated=data["consequences_stated"],
            ),
        )
        if item is not None:
            messages.success(request, "Minded-to notice recorded")
            return redirect("nrm:disqualification", pk=item.pk)
    return _form_page(
        request,
        form,
        title="Minded-to notice: public order disqualification",
        submit="Send the notice",
        back=_referral_url(referral),
        facts=[
            ("Referral", referral.reference),
            ("Response window", f"{rules.DISQUALIFICATION_RESPONSE_DAYS} days"),
        ],
    )


@requires(perms.DECIDE)
@require_http_methods(["GET", "POST"])
def disqualification(request, pk: int):
    item = _get(Disqualification, pk, request.user, lambda d: d.referral)
    step = request.POST.get("step") or request.GET.get("step") or ""
    if item.status == "minded_to" and step not in ("response", "assess"):
        step = "assess" if item.response_received_at else "response"
    elif item.status == "assessed":
        step = "decide"
    form_class = {
        "response": f.DisqualificationResponseForm,
        "assess": f.DisqualificationAssessForm,
        "decide": f.DisqualificationDecideForm,
    }.get(step)
    form = form_class(request.POST if request.method == "POST" else None) if form_class else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        calls = {
            "response": lambda: services.disqualification_response_record(
                actor=request.user, disqualification=item, response=data["response"]
            ),
            "assess": lambda: services.disqualification_assess(
                actor=request.user,
                disqualification=item,
                risk=data["risk"],
                assessment=data["assessment"],
            ),
            "decide": lambda: services.disqualification_decide(
                actor=request.user,
                disqualification=item,
                disqualified=data.get("disqualified") == "yes",
                reasons=data.get("reasons", ""),
            ),
        }
        if _service(form, calls[step]):
            messages.success(request, "Saved")
            return redirect("nrm:disqualification", pk=item.pk)
    elif request.method == "POST" and form is None:
        raise Http404("Nothing to record")
    return _page(
        request,
        "disqualification.html",
        {"item": item, "step": step, "submit": "Save", "back": _referral_url(item.referral)},
        form,
    )


# ------------------------------------------------------------------------------------------------
# Reconsideration


@signed_in
@require_http_methods(["GET", "POST"])
def reconsideration_new(request, pk: int):
    item = _get(Decision, pk, request.user, lambda d: d.referral)
    form = f.ReconsiderationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = _service(
            form,
            lambda: services.reconsideration_request(
                actor=request.user,
                decision=item,
                requester_type=data["requester_type"],
                requester_name=data["requester_name"],
                grounds=data["grounds"],
                late_reason=data["late_reason"],
            ),
        )
        if made is not None:
            messages.success(request, "Reconsideration request recorded")
            if perms.is_authority(request.user):
                return redirect("nrm:reconsideration", pk=made.pk)
            return redirect("nrm:reconsideration-new", pk=item.pk)
    return _form_page(
        request,
        form,
        title="Ask for a negative decision to be reconsidered",
        submit="Send the request",
        back=reverse("nrm:decision", args=[item.pk])
        if perms.is_authority(request.user)
        else _named("nrm:my-referrals"),
        facts=[("Referral", item.referral.reference), ("Stage", item.get_stage_display())],
    )


@requires(perms.DECIDE)
@require_http_methods(["GET", "POST"])
def reconsideration(request, pk: int):
    item = _get(Reconsideration, pk, request.user, lambda r: r.decision.referral)
    form = f.ReconsiderationDecideForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _service(
            form,
            lambda: services.reconsideration_decide(
                actor=request.user,
                reconsideration=item,
                upheld=data["upheld"] == "yes",
                reasons=data["reasons"],
            ),
        ):
            messages.success(request, "Reconsideration decided")
            return redirect("nrm:reconsideration", pk=item.pk)
    elif request.method == "GET":
        _viewed(request, item.decision.referral, item)
    return _form_page(
        request,
        form,
        title="Reconsider a negative decision",
        submit="Record the outcome",
        back=reverse("nrm:decision", args=[item.decision_id]),
        facts=[
            ("Referral", item.decision.referral.reference),
            ("Asked by", item.requester_name),
            ("Grounds", item.grounds),
            ("In time", "Yes" if item.in_time else f"No: {item.late_reason}"),
            ("Status", item.get_status_display()),
        ],
    )


@requires(perms.DECIDE)
@require_http_methods(["GET", "POST"])
def superseded(request):
    if request.method == "POST":
        item = _get(
            Decision, int(request.POST.get("decision") or 0), request.user, lambda d: d.referral
        )
        try:
            services.reconsideration_offer(actor=request.user, decision=item)
            messages.success(request, "Reconsideration offered")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("nrm:superseded")
    page = Paginator(sel.superseded_negative_decisions(), PAGE).get_page(request.GET.get("page"))
    return _page(request, "superseded.html", {"page": page})


urlpatterns = [
    path("referrals/<int:pk>/decisions/<str:stage>/new/", decision_new, name="decision-new"),
    path("decisions/<int:pk>/", decision, name="decision"),
    path("decisions/<int:pk>/serve/", decision_serve, name="decision-serve"),
    path("decisions/<int:pk>/letter/", letter, name="letter"),
    path("decisions/<int:pk>/urgent-service/", urgent_service, name="urgent-service"),
    path("checks/<int:pk>/", check, name="check"),
    path("safeguarding/", safeguarding_queue, name="safeguarding-queue"),
    path("safeguarding/<int:pk>/", safeguarding_advice, name="safeguarding-advice"),
    path("duty-line/", duty_line, name="duty-line"),
    path("duty-line/<int:pk>/", duty_call, name="duty-call"),
    path(
        "referrals/<int:pk>/disqualification/new/",
        disqualification_new,
        name="disqualification-new",
    ),
    path("disqualifications/<int:pk>/", disqualification, name="disqualification"),
    path(
        "decisions/<int:pk>/reconsideration/new/",
        reconsideration_new,
        name="reconsideration-new",
    ),
    path("reconsiderations/<int:pk>/", reconsideration, name="reconsideration"),
    path("superseded/", superseded, name="superseded"),
]
