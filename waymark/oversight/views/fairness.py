"""Fairness and safeguarding monitoring pages (issue 20 item 5): the figures for one decision point,
period and dimension (small groups folded or suppressed, flagged disparities marked), one group's
figure (refused below the small-group threshold), the CSV export, and the explain-or-reform items
with their forms. Thin: reads through ``selectors.fairness``, writes through ``services.fairness``.

The figures are aggregates over groups of at least k decisions and the items are governance
records, so the pages are marked ``no_personal_data``; a breakdown by a protected characteristic
is still one consultation entry (written by the people app where the characteristic is read) and
needs ``people.view_protected_characteristics``; the export is a disclosure.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from waymark.core import clock
from waymark.core.exports import Disclosure, export_csv, export_view
from waymark.core.forms import GovUKDateField, GovUKForm, form_add_service_errors, form_fields
from waymark.core.permissions import no_personal_data, requires
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import AnswerKind, DisparityReviewStatus
from waymark.oversight.selectors import fairness as selectors
from waymark.oversight.services import fairness as services

EXPORT_PURPOSE = "Fairness monitoring figures, for equality and safeguarding review"
CSV_HEADER = [
    "Decision point",
    "Outcome",
    "Breakdown",
    "Group",
    "Decisions",
    "With the outcome",
    "Rate",
    "Reference group",
    "Ratio to the reference group",
    "Interval low",
    "Interval high",
    "Flagged",
    "Period start",
    "Period end",
]


# --- forms -------------------------------------------------------------------------------------


class DisparityReviewOpenForm(GovUKForm):
    owner = forms.TypedChoiceField(
        label="Owner",
        coerce=int,
        choices=(),
        error_messages={"required": "Select who owns the item"},
    )
    due_on = GovUKDateField(label="Due date")
    note = forms.CharField(
        label="What to look at (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=rules.DISPARITY_ANSWER_MAX_CHARS,
    )

    def __init__(self, *args, owners: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Select the owner"), *owners]


class DisparityReviewAnswerForm(GovUKForm):
    answer_kind = forms.ChoiceField(
        label="Explain or reform",
        choices=AnswerKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select explain or reform"},
    )
    answer = forms.CharField(
        label="The answer",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=rules.DISPARITY_ANSWER_MAX_CHARS,
        help_text="Why the disparity is justified, or what will change and when",
        error_messages={"required": "Enter the answer"},
    )


class DisparityReviewReturnForm(GovUKForm):
    reason = forms.CharField(
        label="Why is the answer sent back",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=rules.DISPARITY_ANSWER_MAX_CHARS,
        error_messages={"required": "Enter why the answer is sent back"},
    )


# --- the figures -------------------------------------------------------------------------------


def _choice(request, name: str, allowed, default):
    value = request.GET.get(name, "")
    return value if value in allowed else default


def _query(request) -> dict:
    """The page's filters from the query string; anything unknown falls back to the default, so
    a bad value never errors (a protected dimension without permission is refused by the
    selector, not silently replaced)."""
    points = selectors.fairness_points()
    point_keys = [p.key for p in points]
    point_key = _choice(request, "point", point_keys, point_keys[0] if point_keys else "")
    dimension = request.GET.get("dimension", "") or selectors.DEFAULT_DIMENSION
    months_raw = request.GET.get("months", "")
    months = (
        int(months_raw)
        if months_raw.isdecimal() and int(months_raw) in rules.FAIRNESS_PERIOD_MONTHS
        else rules.FAIRNESS_DEFAULT_PERIOD_MONTHS
    )
    start, end = selectors.period_for(months)
    return {
        "points": points,
        "point": point_key,
        "dimension": dimension,
        "months": months,
        "start": start,
        "end": end,
        "group": request.GET.get("group", "")[:200],
    }


@requires(perms.VIEW_FAIRNESS)
@no_personal_data
def fairness(request):
    q = _query(request)
    point = next((p for p in q["points"] if p.key == q["point"]), None)
    context = {
        "q": q,
        "point": point,
        "dimensions": selectors.dimensions_for(request.user, point),
        "table": None,
        "figure": None,
        "errors": {},
        "can_manage": request.user.has_perm(perms.MANAGE_DISPARITY_REVIEWS),
        "can_export": request.user.has_perm(perms.EXPORT_FAIRNESS),
        "threshold": rules.FAIRNESS_SMALL_GROUP_THRESHOLD,
        "ratio_low": rules.FAIRNESS_RATIO_LOW,
        "ratio_high": rules.FAIRNESS_RATIO_HIGH,
        "periods": rules.FAIRNESS_PERIOD_MONTHS,
        "sees_protected": selectors.may_see_protected(request.user),
    }
    status = 200
    if point is not None:
        try:
            if q["group"]:
                context["figure"], context["table"] = selectors.fairness_group_figure(
                    actor=request.user,
                    point_key=q["point"],
                    dimension_key=q["dimension"],
                    group=q["group"],
                    start=q["start"],
                    end=q["end"],
                    months=q["months"],
                )
            else:
                context["table"] = selectors.fairness_table(
                    actor=request.user,
                    point_key=q["point"],
                    dimension_key=q["dimension"],
                    start=q["start"],
                    end=q["end"],
                    months=q["months"],
                )
        except ValidationError as exc:
            context["errors"] = (
                exc.message_dict if hasattr(exc, "error_dict") else {"group": exc.messages}
            )
            status = 400
    return render(request, "oversight/fairness/figures.html", context, status=status)


def _csv_rows(table):
    ref = table.reference
    for g in table.groups:
        yield [
            table.point.label,
            table.point.outcome_label,
            table.dimension.label,
            g.label,
            "suppressed" if g.suppressed else g.count,
            "suppressed" if g.suppressed else g.outcomes,
            None if g.rate is None else round(g.rate, 4),
            "" if ref is None else ref.label,
            None if g.ratio is None else round(g.ratio, 4),
            None if g.ci_low is None else round(g.ci_low, 4),
            None if g.ci_high is None else round(g.ci_high, 4),
            "yes" if g.flagged else "no",
            table.start,
            table.end,
        ]


@requires(perms.EXPORT_FAIRNESS)
@no_personal_data
@export_view
def fairness_export(request):
    q = _query(request)
    try:
        table = selectors.fairness_table(
            actor=request.user,
            point_key=q["point"],
            dimension_key=q["dimension"],
            start=q["start"],
            end=q["end"],
            months=q["months"],
        )
    except ValidationError:
        messages.error(request, "Choose a decision point and a breakdown to export")
        return redirect("oversight:fairness")
    lines = list(_csv_rows(table))
    return export_csv(
        request,
        filename=f"fairness-{table.point.key}-{table.dimension.key}.csv",
        header=CSV_HEADER,
        rows=lines,
        count=len(lines),
        disclosure=Disclosure(
            verb="oversight.fairness_exported",
            purpose=EXPORT_PURPOSE,
            query={
                "point": table.point.key,
                "dimension": table.dimension.key,
                "start": table.start.isoformat(),
                "end": table.end.isoformat(),
            },
            people=None,
            people_count=table.decisions,
        ),
    )


# --- explain-or-reform items ---------------------------------------------------------------------


@requires(perms.VIEW_FAIRNESS)
@no_personal_data
def reviews(request):
    status = _choice(request, "status", DisparityReviewStatus.values, "")
    return render(
        request,
        "oversight/fairness/reviews.html",
        {
            "reviews": selectors.disparity_reviews(status=status),
            "status": status,
            "statuses": DisparityReviewStatus.choices,
            "today": clock.today(),
            "dimensions": selectors.DIMENSIONS,
        },
    )


@requires(perms.VIEW_FAIRNESS)
@no_personal_data
def review(request, pk: int):
    item = selectors.access_disparity_review(request.user, pk)
    return render(
        request,
        "oversight/fairness/review.html",
        {
            "review": item,
            "dimension": selectors.DIMENSIONS.get(item.dimension),
            "may_answer": item.status == DisparityReviewStatus.OPEN
            and perms.may_answer_disparity_review(request.user, item),
            "may_close": item.status == DisparityReviewStatus.ANSWERED
            and perms.may_close_disparity_review(request.user, item),
        },
    )


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


@requires(perms.MANAGE_DISPARITY_REVIEWS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def review_open(request):
    q = _query(request)
    form = DisparityReviewOpenForm(
        request.POST if request.method == "POST" else None,
        owners=selectors.disparity_review_owner_choices(),
    )
    if request.method == "POST" and form.is_valid():
        owner = get_user_model().objects.filter(pk=form.cleaned_data["owner"]).first()
        try:
            item = services.disparity_review_open(
                actor=request.user,
                point_key=q["point"],
                dimension_key=q["dimension"],
                group=q["group"],
                start=q["start"],
                end=q["end"],
                owner=owner,
                due_on=form.cleaned_data["due_on"],
                note=form.cleaned_data["note"],
            )
        except PermissionDenied:
            raise
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "group" in exc.error_dict:
                exc = ValidationError(exc.error_dict["group"])  # not a field of this form
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Explain-or-reform item opened")
            return redirect("oversight:fairness-review", item.pk)
    point = next((p for p in q["points"] if p.key == q["point"]), None)
    dimension = selectors.DIMENSIONS.get(q["dimension"])
    intro = (
        f"{point.label if point else 'Unknown decision point'}, by "
        f"{dimension.label.lower() if dimension else 'an unknown breakdown'}: "
        f"the group {q['group'] or '(none chosen)'}, "
        f"{q['start']:%d %B %Y} to {q['end']:%d %B %Y}."
    )
    return _form_page(
        request,
        form,
        title="Open an explain-or-reform item",
        submit="Open the item",
        back=f"/oversight/fairness/?{request.GET.urlencode()}",
        back_text="Back to the figures",
        intro=intro,
    )


@requires(perms.VIEW_FAIRNESS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def review_answer(request, pk: int):
    item = selectors.access_disparity_review(request.user, pk)
    if not perms.may_answer_disparity_review(request.user, item):
        raise PermissionDenied
    form = DisparityReviewAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disparity_review_answer(actor=request.user, review=item, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Answer recorded")
            return redirect("oversight:fairness-review", item.pk)
    return _form_page(
        request,
        form,
        title="Answer the explain-or-reform item",
        submit="Record the answer",
        back=f"/oversight/fairness/explain-or-reform/{item.pk}/",
        back_text="Back to the item",
        intro=str(item),
        warning="" if item.status == DisparityReviewStatus.OPEN else "This item is not open.",
    )


@requires(perms.MANAGE_DISPARITY_REVIEWS)
@no_personal_data
@require_http_methods(["POST"])
def review_close(request, pk: int):
    item = selectors.access_disparity_review(request.user, pk)
    try:
        services.disparity_review_close(actor=request.user, review=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Answer accepted and the item closed")
    return redirect("oversight:fairness-review", item.pk)


@requires(perms.MANAGE_DISPARITY_REVIEWS)
@no_personal_data
@require_http_methods(["GET", "POST"])
def review_return(request, pk: int):
    item = selectors.access_disparity_review(request.user, pk)
    form = DisparityReviewReturnForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disparity_review_return(actor=request.user, review=item, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Answer sent back to the owner")
            return redirect("oversight:fairness-review", item.pk)
    return _form_page(
        request,
        form,
        title="Send the answer back",
        submit="Send it back",
        back=f"/oversight/fairness/explain-or-reform/{item.pk}/",
        back_text="Back to the item",
        intro=item.answer,
        warning=""
        if item.status == DisparityReviewStatus.ANSWERED
        else "This item is not answered.",
    )


urlpatterns = [
    path("fairness/", fairness, name="fairness"),
    path("fairness/export.csv", fairness_export, name="fairness-export"),
    path("fairness/explain-or-reform/", reviews, name="fairness-reviews"),
    path("fairness/explain-or-reform/open/", review_open, name="fairness-review-open"),
    path("fairness/explain-or-reform/<int:pk>/", review, name="fairness-review"),
    path(
        "fairness/explain-or-reform/<int:pk>/answer/", review_answer, name="fairness-review-answer"
    ),
    path("fairness/explain-or-reform/<int:pk>/close/", review_close, name="fairness-review-close"),
    path(
        "fairness/explain-or-reform/<int:pk>/return/", review_return, name="fairness-review-return"
    ),
]
