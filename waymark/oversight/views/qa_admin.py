"""Editing quality assurance (issue 20 item 1, part 2): a rule's page (its level, a banner when
ISO 2859-1's discontinue applies, the chance it detects an error rate within N weeks, and its
history of changes and resumptions); changing a rule (a new rule replacing it from a date);
ending one with nothing in its place; recording the corrective action that resumes
discontinued sampling; a new version of a kind's checklist (add, remove, reorder and edit
questions); a checklist's versions with what changed.
Edits need ``oversight.configure_qa`` (the assurance team); reads ``oversight.view_qa``. Thin:
reads through ``selectors.qa``, writes through ``services.qa``. The checklist pages name no one
whose work is reviewed and are marked ``no_personal_data``; the rule page names staff whose
sampling is discontinued and is logged as a consultation by the personal-data middleware."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from waymark.core import assurance, clock
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.permissions import no_personal_data, requires
from waymark.oversight import forms_qa_admin as f
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.selectors import qa as sel
from waymark.oversight.selectors import qa_admin as sel_admin
from waymark.oversight.services import qa as services
from waymark.oversight.views.qa import _error_rates, _form_page, _weeks


def _rule(request, pk: int):
    return sel.access_rule(request.user, pk)


@requires(perms.QA_VIEW)
def rule_detail(request, pk: int):
    rule = _rule(request, pk)
    weeks = _weeks(request)
    error_rates, error_asked = _error_rates(request)
    return render(
        request,
        "oversight/qa/admin/rule.html",
        {
            "row": sel.rule_row(rule, weeks=weeks, error_rates=error_rates),
            "weeks": weeks,
            "weeks_max": rules.QA_DETECTION_WEEKS_MAX,
            "error_asked": error_asked,
            "history": sel_admin.rule_history(rule),
            "events": sel_admin.level_events_all(rule),
            "draws": rule.draws.order_by("-period_end")[:12],
            "can_configure": request.user.has_perm(perms.QA_CONFIGURE),
            "discontinue_fails": rules.QA_DISCONTINUE_AFTER_FAILS,
        },
    )


def _rule_initial(rule) -> dict:
    def pct(value):
        return "" if value is None else f"{value * 100:g}"

    return {
        "name": rule.name,
        "kind_key": rule.kind_key,
        "method": rule.method,
        "rate_percent": "" if rule.method == "category" else pct(rule.rate),
        "monthly_cap": rule.monthly_cap,
        "category": rule.category,
        "age_days": rule.age_days,
        "per_person": rule.per_person,
        "tightened_percent": pct(rule.tightened_rate),
        "reduced_percent": pct(rule.reduced_rate),
    }


@requires(perms.QA_CONFIGURE)
@require_http_methods(["GET", "POST"])
def rule_change(request, pk: int):
    rule = _rule(request, pk)
    form = f.RuleChangeForm(
        request.POST or None, initial=_rule_initial(rule), kinds=sel.kind_choices()
    )
    warning = "" if rule.is_active else "This rule has already been replaced or ended."
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            new = services.rule_change(
                actor=request.user,
                rule=rule,
                starts_on=data.pop("starts_on"),
                reason=data.pop("reason"),
                scheme=rule.scheme,
                **data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Rule changed: '{new.name}' is in force from {new.starts_on:%-d %B %Y}"
            )
            return redirect("oversight:qa-rule", new.pk)
    return _form_page(
        request,
        form,
        title=f"Change the rule: {rule.name}",
        submit="Save the change",
        back=reverse("oversight:qa-rule", args=[rule.pk]),
        back_text="Back to the rule",
        intro="A change is a new rule replacing this one from the date you give; this rule ends "
        "the day before and stays, with its draws, on the rule's history. An adaptive rule "
        "keeps its level.",
        warning=warning,
    )


@requires(perms.QA_CONFIGURE)
@require_http_methods(["GET", "POST"])
def rule_end(request, pk: int):
    rule = _rule(request, pk)
    today = clock.today()
    not_started = rule.starts_on is not None and rule.starts_on > today
    initial = rule.starts_on - timedelta(days=1) if not_started else today
    form = f.RuleEndForm(request.POST or None, initial={"ends_on": initial})
    warning = "" if rule.is_active else "This rule has already been replaced or ended."
    if request.method == "POST" and form.is_valid():
        try:
            ended = services.rule_end(
                actor=request.user,
                rule=rule,
                ends_on=form.cleaned_data["ends_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Rule ended: its last day in force is {ended.ends_on:%-d %B %Y}"
            )
            return redirect("oversight:qa-rule", ended.pk)
    return _form_page(
        request,
        form,
        title=f"End the rule: {rule.name}",
        submit="End the rule",
        back=reverse("oversight:qa-rule", args=[rule.pk]),
        back_text="Back to the rule",
        intro="Ending a rule stops its sampling with nothing in its place: no sample can be "
        "drawn for a day after its last day in force. Its draws, reviews and history stay. To "
        "sample differently instead, change the rule."
        + (
            f" This rule starts on {rule.starts_on:%-d %B %Y}: ending it the day before stops it "
            "coming into force."
            if not_started
            else ""
        ),
        warning=warning,
    )


@requires(perms.QA_CONFIGURE)
@require_http_methods(["GET", "POST"])
def rule_resume(request, pk: int):
    rule = _rule(request, pk)
    people = sel.discontinued_people(rule) if rule.per_person else None
    form = f.ResumeForm(request.POST or None, people=people)
    level = "" if rule.per_person else sel.rule_level(rule)[0]
    warning = ""
    if rule.per_person and not people:
        warning = "No one's sampling under this rule is discontinued: there is nothing to resume."
    elif not rule.per_person and level != rules.QA_LEVEL_DISCONTINUED:
        warning = f"Sampling is {level or 'not adaptive'}, not discontinued: nothing to resume."
    if request.method == "POST" and form.is_valid():
        worker = None
        if people:
            chosen = form.cleaned_data["worker"]
            worker = next((pk for pk, _n in people if pk == chosen), None)
            if worker is None:
                form.add_error("worker", "Choose someone whose sampling is discontinued")
        if not form.errors:
            from django.contrib.auth import get_user_model

            try:
                services.rule_resume(
                    actor=request.user,
                    rule=rule,
                    reason=form.cleaned_data["reason"],
                    worker=get_user_model().objects.get(pk=worker) if worker else None,
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, "Corrective action recorded: sampling resumes tightened")
                return redirect("oversight:qa-rule", rule.pk)
    return _form_page(
        request,
        form,
        title=f"Record a corrective action: {rule.name}",
        submit="Record it and resume",
        back=reverse("oversight:qa-rule", args=[rule.pk]),
        back_text="Back to the rule",
        intro=f"{rules.QA_DISCONTINUE_AFTER_FAILS} lots in a row failed while sampling was "
        "tightened, so all of the work is sampled (ISO 2859-1's discontinue). Once you record "
        "the corrective action, sampling resumes at the tightened level.",
        warning=warning,
    )


# ------------------------------------------------------------------------------------------------
# Checklists


def _kind(request, kind_key: str) -> str:
    return sel_admin.access_kind(request.user, kind_key)


def _question_rows(form: f.ChecklistForm, questions: list[dict]) -> list[dict]:
    specs = {spec["name"]: spec for spec in form_fields(form)}
    return [
        {
            "number": i,
            "code": q.get("code", ""),
            "fields": [specs[name] for name in form.question_fields(i)],
        }
        for i, q in enumerate(questions, 1)
    ]


def _checklist_page(request, *, kind_key, form, questions, current, status=200):
    return render(
        request,
        "oversight/qa/admin/checklist_edit.html",
        {
            "form": form,
            "title_field": next(s for s in form_fields(form) if s["name"] == "title"),
            "rows": _question_rows(form, questions),
            "kind_key": kind_key,
            "kind_label": assurance.work_kind_label(kind_key),
            "current": current,
            "next_version": (current.version + 1) if current else 1,
        },
        status=status,
    )


@requires(perms.QA_CONFIGURE)
@no_personal_data
@require_http_methods(["GET", "POST"])
def checklist_edit(request, kind_key: str):
    kind_key = _kind(request, kind_key)
    current = sel.current_checklist(kind_key)
    if request.method == "GET":
        questions = [
            {
                "code": q.code,
                "area": q.area,
                "text": q.text,
                "guidance": q.guidance,
                "weight": q.weight,
                "reasons": f.reasons_text(q.failure_reasons),
            }
            for q in (current.questions.all() if current else [])
        ] or [{"weight": 1}]
        title = current.title if current else assurance.work_kind_label(kind_key)
        form = f.ChecklistForm(initial=f.questions_as_post(title, questions), count=len(questions))
        return _checklist_page(
            request, kind_key=kind_key, form=form, questions=questions, current=current
        )
    questions = f.questions_from_post(request.POST)
    title = request.POST.get("title", "")
    action = request.POST.get("action", "save")
    verb, _colon, at = action.partition(":")
    index = int(at) - 1 if at.isdecimal() else -1
    if verb in ("add", "remove", "up", "down"):
        if verb == "add":
            questions.append({"weight": 1})
        elif 0 <= index < len(questions):
            if verb == "remove":
                questions.pop(index)
            elif verb == "up" and index > 0:
                questions[index - 1], questions[index] = questions[index], questions[index - 1]
            elif verb == "down" and index < len(questions) - 1:
                questions[index + 1], questions[index] = questions[index], questions[index + 1]
        form = f.ChecklistForm(initial=f.questions_as_post(title, questions), count=len(questions))
        return _checklist_page(
            request, kind_key=kind_key, form=form, questions=questions, current=current
        )
    form = f.ChecklistForm(request.POST, count=len(questions))
    if form.is_valid():
        try:
            checklist = services.checklist_new_version(
                actor=request.user,
                kind_key=kind_key,
                title=title,
                questions=[
                    {
                        "code": q["code"],
                        "area": q["area"],
                        "text": q["text"],
                        "guidance": q["guidance"],
                        "weight": q["weight"],
                        "failure_reasons": f.reasons_parse(q["reasons"]),
                    }
                    for q in questions
                ],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Version {checklist.version} of the checklist saved")
            return redirect("oversight:qa-checklist-history", kind_key)
    return _checklist_page(
        request,
        kind_key=kind_key,
        form=form,
        questions=questions,
        current=current,
        status=400 if form.errors else 200,
    )


@requires(perms.QA_VIEW)
@no_personal_data
def checklist_history(request, kind_key: str):
    kind_key = _kind(request, kind_key)
    versions = sel_admin.checklist_history(kind_key)
    return render(
        request,
        "oversight/qa/admin/checklist_history.html",
        {
            "versions": versions,
            "kind_key": kind_key,
            "kind_label": assurance.work_kind_label(kind_key),
            "can_configure": request.user.has_perm(perms.QA_CONFIGURE),
        },
    )


urlpatterns = [
    path("qa/rules/<int:pk>/", rule_detail, name="qa-rule"),
    path("qa/rules/<int:pk>/change/", rule_change, name="qa-rule-change"),
    path("qa/rules/<int:pk>/resume/", rule_resume, name="qa-rule-resume"),
    path("qa/rules/<int:pk>/end/", rule_end, name="qa-rule-end"),
    path("qa/checklists/<str:kind_key>/edit/", checklist_edit, name="qa-checklist-edit"),
    path(
        "qa/checklists/<str:kind_key>/history/",
        checklist_history,
        name="qa-checklist-history",
    ),
]
