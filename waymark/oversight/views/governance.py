"""Governance pages beyond the tracker (issue 20 item 6): risk registers, risks with their reviews
and acceptances, and the EM supplier issues log (complaints and lessons are in
``views/governance_complaints.py``). Thin: reads through ``selectors.governance``, writes through
``services.governance``. Registers, risks and supplier issues are governance records naming staff
and a supplier, not the people Waymark manages: marked ``no_personal_data``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from waymark.core import clock
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.permissions import no_personal_data, requires
from waymark.oversight import forms_governance as f
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight import selectors as tracker_selectors
from waymark.oversight.models import (
    RegisterKind,
    RiskStatus,
    SupplierIssueStatus,
)
from waymark.oversight.selectors import governance as sel
from waymark.oversight.services import governance as services
from waymark.oversight.workflows import SUPPLIER_ISSUE_TRANSITIONS


def _form_page(request, form, *, title, submit, back, back_text, intro="", warning=""):
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "fields": form_fields(form),
            "title": title,
            "submit": submit,
            "back": back,
            "back_text": back_text,
            "intro": intro,
            "warning": warning,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _people() -> list[tuple[int, str]]:
    return tracker_selectors.action_owner_choices()


def _person(pk):
    return tracker_selectors.action_owner_get(pk)


def _page(request, items):
    return Paginator(items, rules.GOVERNANCE_PAGE_SIZE).get_page(request.GET.get("page"))


# ------------------------------------------------------------------------------------------------
# Risk registers


@requires(perms.VIEW_RISKS)
@no_personal_data
def registers(request):
    return render(
        request,
        "oversight/governance/registers.html",
        {
            "rows": sel.register_rows(),
            "counts": sel.governance_counts(),
            "can_manage": request.user.has_perm(perms.MANAGE_RISKS),
            "levels": sel.LEVEL_LABELS,
            "review_days": rules.RISK_REVIEW_DAYS,
        },
    )


@requires(perms.MANAGE_RISKS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def register_new(request):
    form = f.RegisterForm(request.POST or None, people=_people())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["owner"] = _person(data["owner"])
        data["contract_owner"] = _person(data["contract_owner"])
        try:
            register = services.register_create(actor=request.user, **data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Register '{register.name}' added")
            return redirect("oversight:risk-register", register.pk)
    return _form_page(
        request,
        form,
        title="Add a risk register",
        submit="Add the register",
        back=reverse("oversight:risk-registers"),
        back_text="Back to the risk registers",
    )


@requires(perms.VIEW_RISKS)
@no_personal_data
def register(request, pk: int):
    reg = sel.access_register(request.user, pk)
    level = request.GET.get("level", "")
    overdue = request.GET.get("overdue") == "1"
    closed = request.GET.get("closed") == "1"
    return render(
        request,
        "oversight/governance/register.html",
        {
            "register": reg,
            "is_joint": reg.kind == RegisterKind.JOINT,
            "rows": sel.register_risks(reg, level=level, overdue_only=overdue, closed=closed),
            "issues": sel.register_issues(reg, include_closed=request.GET.get("issues") == "all"),
            "all_issues": request.GET.get("issues") == "all",
            "filters": {"level": level, "overdue": overdue, "closed": closed},
            "levels": sel.LEVEL_LABELS,
            "can_manage": request.user.has_perm(perms.MANAGE_RISKS),
        },
    )


@requires(perms.MANAGE_RISKS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def risk_new(request, pk: int):
    reg = sel.access_register(request.user, pk)
    form = f.RiskForm(request.POST or None, people=_people())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["owner"] = _person(data["owner"])
        try:
            risk = services.risk_add(actor=request.user, register=reg, **data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Risk {risk.number} added")
            return redirect("oversight:risk", risk.pk)
    return _form_page(
        request,
        form,
        title=f"Add a risk to {reg.name}",
        submit="Add the risk",
        back=reverse("oversight:risk-register", args=[reg.pk]),
        back_text="Back to the register",
        intro="The rating is likelihood times impact. High risks (15 to 25) are reviewed every "
        f"{rules.RISK_REVIEW_DAYS['high']} days, medium ({rules.RISK_MEDIUM_FROM} to 12) every "
        f"{rules.RISK_REVIEW_DAYS['medium']}, low every {rules.RISK_REVIEW_DAYS['low']}.",
    )


@requires(perms.VIEW_RISKS)
@no_personal_data
def risk(request, pk: int):
    row = sel.access_risk(request.user, pk)
    r = row.risk
    return render(
        request,
        "oversight/governance/risk.html",
        {
            "row": row,
            "risk": r,
            "reviews": sel.risk_reviews(r),
            "edits": list(r.edits.select_related("changed_by")),
            "acceptances": list(r.acceptances.all()),
            "issues": list(r.issues.select_related("owner")),
            "today": row.today,
            "is_open": r.status == RiskStatus.OPEN,
            "can_review": perms.may_review_risk(request.user, r),
            "can_accept": perms.may_accept_risk(request.user, r),
            "can_manage": request.user.has_perm(perms.MANAGE_RISKS),
            "levels": sel.LEVEL_LABELS,
            "level_tags": sel.LEVEL_TAGS,
        },
    )


@requires(perms.MANAGE_RISKS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def risk_edit(request, pk: int):
    row = sel.access_risk(request.user, pk)
    r = row.risk
    initial = {
        "title": r.title,
        "cause": r.cause,
        "effect": r.effect,
        "owner": r.owner_id,
        "controls": r.controls,
        "mitigating_actions": r.mitigating_actions,
        "target_likelihood": r.target_likelihood,
        "target_impact": r.target_impact,
    }
    form = f.RiskEditForm(request.POST or None, initial=initial, people=_people())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["owner"] = _person(data["owner"])
        try:
            edit = services.risk_edit(actor=request.user, risk=r, **data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            changed = ", ".join(sorted(edit.changes)).replace("_", " ")
            messages.success(request, f"Risk {r.number} changed: {changed}")
            return redirect("oversight:risk", r.pk)
    return _form_page(
        request,
        form,
        title=f"Change risk {r.number}: {r.title}",
        submit="Save the change",
        back=reverse("oversight:risk", args=[r.pk]),
        back_text="Back to the risk",
        intro="Each change is kept on the risk's history with who made it and why. Its "
        "likelihood and impact (and so its rating and review date) change only by a review.",
        warning="" if r.status == RiskStatus.OPEN else "This risk is closed: reopen it first.",
    )


@requires(perms.VIEW_RISKS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def risk_review(request, pk: int):
    row = sel.access_risk(request.user, pk)
    if not perms.may_review_risk(request.user, row.risk):
        raise PermissionDenied
    initial = {"likelihood": str(row.risk.likelihood), "impact": str(row.risk.impact)}
    form = f.RiskReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_review_record(actor=request.user, risk=row.risk, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Review recorded")
            return redirect("oversight:risk", row.risk.pk)
    return _form_page(
        request,
        form,
        title=f"Review risk {row.risk.number}: {row.risk.title}",
        submit="Record the review",
        back=reverse("oversight:risk", args=[row.risk.pk]),
        back_text="Back to the risk",
        intro=f"Now rated {row.risk.rating} ({row.level_label.lower()}); the review was due on "
        f"{row.risk.next_review_on:%-d %B %Y}.",
        warning="" if row.risk.status == RiskStatus.OPEN else "This risk is closed.",
    )


@requires(perms.ACCEPT_RISKS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def risk_accept(request, pk: int):
    row = sel.access_risk(request.user, pk)
    form = f.RiskAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_accept(actor=request.user, risk=row.risk, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Acceptance recorded")
            return redirect("oversight:risk", row.risk.pk)
    warning = ""
    if row.risk.owner_id == request.user.pk:
        warning = "You own this risk: someone other than its owner must accept it."
    return _form_page(
        request,
        form,
        title=f"Accept risk {row.risk.number}: {row.risk.title}",
        submit="Accept the risk",
        back=reverse("oversight:risk", args=[row.risk.pk]),
        back_text="Back to the risk",
        intro=f"Rated {row.risk.rating} ({row.level_label.lower()}), target "
        f"{row.risk.target_rating}. An acceptance expires; the risk is reviewed by then.",
        warning=warning,
    )


def _risk_status_change(request, pk: int, *, closing: bool):
    row = sel.access_risk(request.user, pk)
    form = f.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = services.risk_close if closing else services.risk_reopen
        try:
            service(actor=request.user, risk=row.risk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Risk closed" if closing else "Risk reopened")
            return redirect("oversight:risk", row.risk.pk)
    is_open = row.risk.status == RiskStatus.OPEN
    warning = ""
    if closing and not is_open:
        warning = "This risk is closed already."
    elif not closing and is_open:
        warning = "This risk is open already."
    return _form_page(
        request,
        form,
        title=f"{'Close' if closing else 'Reopen'} risk {row.risk.number}: {row.risk.title}",
        submit="Close the risk" if closing else "Reopen the risk",
        back=reverse("oversight:risk", args=[row.risk.pk]),
        back_text="Back to the risk",
        warning=warning,
    )


@requires(perms.MANAGE_RISKS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def risk_close(request, pk: int):
    return _risk_status_change(request, pk, closing=True)


@requires(perms.MANAGE_RISKS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def risk_reopen(request, pk: int):
    return _risk_status_change(request, pk, closing=False)


# ------------------------------------------------------------------------------------------------
# The supplier issues log


@requires(perms.MANAGE_RISKS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def issue_new(request, pk: int):
    reg = sel.access_register(request.user, pk)
    if reg.kind != RegisterKind.JOINT:
        raise Http404("Issues are logged on joint registers")
    form = f.SupplierIssueForm(request.POST or None, people=_people(), risks=sel.risk_choices(reg))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["owner"] = _person(data["owner"])
        risk_pk = data.pop("risk")
        data["risk"] = reg.risks.filter(pk=risk_pk).first() if risk_pk else None
        try:
            issue = services.supplier_issue_raise(actor=request.user, register=reg, **data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Issue {issue.number} logged")
            return redirect("oversight:supplier-issue", issue.pk)
    return _form_page(
        request,
        form,
        title=f"Log an issue with {reg.supplier or 'the supplier'}",
        submit="Log the issue",
        back=reverse("oversight:risk-register", args=[reg.pk]),
        back_text="Back to the register",
    )


@requires(perms.VIEW_RISKS)
@no_personal_data
def issue(request, pk: int):
    item = sel.access_issue(request.user, pk)
    return render(
        request,
        "oversight/governance/issue.html",
        {
            "issue": item,
            "history": sel.issue_history(item),
            "can_manage": request.user.has_perm(perms.MANAGE_RISKS)
            and item.status != SupplierIssueStatus.CLOSED,
            "overdue": item.target_on is not None
            and item.status in (SupplierIssueStatus.OPEN, SupplierIssueStatus.WITH_SUPPLIER)
            and item.target_on < clock.today(),
        },
    )


@requires(perms.MANAGE_RISKS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def issue_move(request, pk: int):
    item = sel.access_issue(request.user, pk)
    labels = dict(SupplierIssueStatus.choices)
    onward = sorted(SUPPLIER_ISSUE_TRANSITIONS[item.status])
    form = f.SupplierIssueMoveForm(request.POST or None, statuses=[(s, labels[s]) for s in onward])
    if request.method == "POST" and form.is_valid():
        try:
            services.supplier_issue_move(actor=request.user, issue=item, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Issue updated")
            return redirect("oversight:supplier-issue", item.pk)
    return _form_page(
        request,
        form,
        title=f"Update issue {item.number}: {item.title}",
        submit="Update the issue",
        back=reverse("oversight:supplier-issue", args=[item.pk]),
        back_text="Back to the issue",
        intro=f"Now: {labels[item.status].lower()}.",
        warning="" if onward else "This issue is closed.",
    )


urlpatterns = [
    path("risks/", registers, name="risk-registers"),
    path("risks/registers/new/", register_new, name="risk-register-new"),
    path("risks/registers/<int:pk>/", register, name="risk-register"),
    path("risks/registers/<int:pk>/risks/new/", risk_new, name="risk-new"),
    path("risks/registers/<int:pk>/issues/new/", issue_new, name="supplier-issue-new"),
    path("risks/<int:pk>/", risk, name="risk"),
    path("risks/<int:pk>/review/", risk_review, name="risk-review"),
    path("risks/<int:pk>/edit/", risk_edit, name="risk-edit"),
    path("risks/<int:pk>/accept/", risk_accept, name="risk-accept"),
    path("risks/<int:pk>/close/", risk_close, name="risk-close"),
    path("risks/<int:pk>/reopen/", risk_reopen, name="risk-reopen"),
    path("issues/<int:pk>/", issue, name="supplier-issue"),
    path("issues/<int:pk>/update/", issue_move, name="supplier-issue-move"),
]
