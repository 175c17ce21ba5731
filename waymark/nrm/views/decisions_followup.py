"""Follow-up pages of the decisions: safeguarding advice and the duty line, public order
disqualification, reconsideration and the negative decisions under superseded guidance."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

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
)
from waymark.nrm.views._decisions_common import (
    PAGE,
    _form_page,
    _get,
    _named,
    _page,
    _referral_url,
    _service,
    _viewed,
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
        raw = request.POST.get("decision", "")
        # a key, or 0 (no decision: a 404) for anything a form's button would never send
        item = _get(
            Decision, int(raw) if raw.isdecimal() else 0, request.user, lambda d: d.referral
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
