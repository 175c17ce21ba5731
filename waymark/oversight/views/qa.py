"""Quality-assurance pages (issue 20 item 1): the rules with their levels and the chance each
detects a given error rate within N weeks; a draw's record and its re-derivation; a sampled item
and its reviews; first- and second-line review forms; the reviewed person's dispute and its
decision; team observations; trends by team, person and question; the checklists; and "my
reviews" for the person reviewed. Thin: reads through ``selectors.qa``, writes through
``services.qa``. Pages naming staff or linking to cases are logged as consultations by the
personal-data middleware; the checklists page holds none."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from waymark.accounts.models import Team
from waymark.core import assurance, charts, clock
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.permissions import no_personal_data, requires, signed_in
from waymark.oversight import forms_qa as f
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import QADispute, ReviewLine
from waymark.oversight.selectors import qa as sel
from waymark.oversight.selectors import qa_admin as sel_admin
from waymark.oversight.services import qa as services


def _weeks(request) -> int:
    raw = request.GET.get("weeks", "")
    if raw.isdecimal() and 1 <= int(raw) <= rules.QA_DETECTION_WEEKS_MAX:
        return int(raw)
    return rules.QA_DETECTION_WEEKS_DEFAULT


def _form_page(request, form, *, title, submit, back, back_text, intro="", warning="", extra=None):
    return render(
        request,
        "oversight/qa/form.html",
        {
            "form": form,
            "fields": form_fields(form),
            "title": title,
            "submit": submit,
            "back": back,
            "back_text": back_text,
            "intro": intro,
            "warning": warning,
            **(extra or {}),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _error_rates(request) -> tuple[tuple[float, ...], str]:
    """The table's error rates: rules.py's, plus one the reader asks for (?error=7 is 7%)."""
    raw = request.GET.get("error", "").strip().rstrip("%")
    try:
        asked = float(raw) / 100 if raw else None
    except ValueError:
        asked = None
    if asked is None or not 0 < asked <= 1:
        return rules.QA_DETECTION_ERROR_RATES, ""
    return tuple(sorted({*rules.QA_DETECTION_ERROR_RATES, asked})), raw


@requires(perms.QA_VIEW)
def qa_home(request):
    weeks = _weeks(request)
    error_rates, error_asked = _error_rates(request)
    return render(
        request,
        "oversight/qa/home.html",
        {
            "rows": sel.rule_rows(weeks=weeks, error_rates=error_rates),
            "weeks": weeks,
            "weeks_max": rules.QA_DETECTION_WEEKS_MAX,
            "error_rates": error_rates,
            "error_asked": error_asked,
            "draws": sel.recent_draws(),
            "to_review": sel.items_to_review(),
            "disputes": sel.open_disputes(),
            "can_configure": request.user.has_perm(perms.QA_CONFIGURE),
            "kind_label": assurance.work_kind_label,
        },
    )


@requires(perms.QA_VIEW)
@no_personal_data
def checklists(request):
    return render(
        request,
        "oversight/qa/checklists.html",
        {
            "checklists": sel.checklists(),
            "kind_label": assurance.work_kind_label,
            "can_configure": request.user.has_perm(perms.QA_CONFIGURE),
            "kinds_without": sel_admin.kinds_without_checklist(),
        },
    )


@requires(perms.QA_CONFIGURE)
@require_http_methods(["GET", "POST"])
def rule_new(request):
    form = f.RuleForm(request.POST or None, kinds=sel.kind_choices())
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.rule_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Sampling rule '{rule.name}' added")
            return redirect("oversight:qa-home")
    return _form_page(
        request,
        form,
        title="Add a sampling rule",
        submit="Add the rule",
        back=reverse("oversight:qa-home"),
        back_text="Back to quality assurance",
    )


@requires(perms.QA_CONFIGURE)
@require_http_methods(["GET", "POST"])
def rule_draw(request, pk: int):
    rule = sel.access_rule(request.user, pk)
    form = f.DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draw = services.sample_draw(actor=request.user, rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"{len(draw.drawn)} drawn from {draw.population_count}")
            return redirect("oversight:qa-draw", draw.pk)
    return _form_page(
        request,
        form,
        title=f"Draw a sample: {rule.name}",
        submit="Draw the sample",
        back=reverse("oversight:qa-home"),
        back_text="Back to quality assurance",
        intro=f"{rule.get_method_display()} of {assurance.work_kind_label(rule.kind_key).lower()}.",
    )


@requires(perms.QA_VIEW)
def draw_detail(request, pk: int):
    draw = sel.access_draw(request.user, pk)
    rederived = services.sample_rederive(draw)
    return render(
        request,
        "oversight/qa/draw.html",
        {
            "draw": draw,
            "items": draw.items.select_related("worker", "team").prefetch_related("reviews"),
            "rederived_matches": rederived == list(draw.drawn),
            "kind_label": assurance.work_kind_label(draw.rule.kind_key),
        },
    )


@signed_in
def item_detail(request, pk: int):
    item = sel.access_item(request.user, pk)
    return render(
        request,
        "oversight/qa/item.html",
        {
            "item": item,
            "reviews": item.reviews.select_related("reviewer"),
            "kind_label": assurance.work_kind_label(item.kind_key),
            "can_first": request.user.has_perm(perms.QA_FIRST_LINE)
            and item.worker_id != request.user.pk
            and (item.team_id is None or request.user.teams.filter(pk=item.team_id).exists()),
            "can_second": request.user.has_perm(perms.QA_SECOND_LINE)
            and item.worker_id != request.user.pk,
        },
    )


def _review(request, pk: int, line: str):
    item = sel.access_item(request.user, pk)
    checklist = sel.current_checklist(item.kind_key)
    questions = list(checklist.questions.all()) if checklist else []
    form = f.ReviewForm(request.POST or None, questions=questions)
    own = item.worker_id == request.user.pk
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_record(
                actor=request.user,
                item=item,
                line=line,
                answers=form.answers(),
                feedback=form.cleaned_data["feedback"],
                corrective_action=form.cleaned_data["corrective_action"],
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Review recorded: {review.get_rating_display()}")
            return redirect("oversight:qa-review", review.pk)
    label = assurance.work_kind_label(item.kind_key)
    return _form_page(
        request,
        form,
        title=f"{ReviewLine(line).label.split(' (')[0]} review: {label.lower()} number {item.item_id}",
        submit="Record the review",
        back=reverse("oversight:qa-item", args=[item.pk]),
        back_text="Back to the sampled work",
        intro=checklist.title + f" (version {checklist.version})" if checklist else "",
        warning="This is your own work: someone else must review it." if own else "",
        extra={"work_url": item.url},
    )


@requires(perms.QA_FIRST_LINE)
@require_http_methods(["GET", "POST"])
def review_first(request, pk: int):
    return _review(request, pk, ReviewLine.FIRST)


@requires(perms.QA_SECOND_LINE)
@require_http_methods(["GET", "POST"])
def review_second(request, pk: int):
    return _review(request, pk, ReviewLine.SECOND)


@signed_in
def review_detail(request, pk: int):
    review = sel.access_review(request.user, pk)
    dispute = QADispute.objects.filter(review=review).select_related("decided_by").first()
    return render(
        request,
        "oversight/qa/review.html",
        {
            "review": review,
            "answers": sel.review_answers(review),
            "dispute": dispute,
            "learning": review.learning_items.select_related("question"),
            "is_worker": review.item.worker_id == request.user.pk,
            "can_decide": dispute is not None
            and not dispute.outcome
            and request.user.has_perm(perms.QA_DECIDE_DISPUTES)
            and request.user.pk not in (review.reviewer_id, dispute.raised_by_id),
            "kind_label": assurance.work_kind_label(review.item.kind_key),
        },
    )


@signed_in
@require_http_methods(["GET", "POST"])
def review_dispute(request, pk: int):
    review = sel.access_review(request.user, pk)
    if review.item.worker_id != request.user.pk:
        raise PermissionDenied
    form = f.DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dispute_raise(actor=request.user, review=review, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Dispute sent to the assurance team")
            return redirect("oversight:qa-review", review.pk)
    return _form_page(
        request,
        form,
        title="Dispute the review",
        submit="Send the dispute",
        back=reverse("oversight:qa-review", args=[review.pk]),
        back_text="Back to the review",
        intro=f"Rated {review.get_rating_display().lower()} by {review.reviewer}.",
    )


@requires(perms.QA_DECIDE_DISPUTES)
@require_http_methods(["GET", "POST"])
def dispute_decide(request, pk: int):
    dispute = sel.access_dispute(request.user, pk)
    form = f.DisputeDecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dispute_decide(actor=request.user, dispute=dispute, **form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Dispute decided")
            return redirect("oversight:qa-review", dispute.review_id)
    review = dispute.review
    warning = ""
    if request.user.pk in (review.reviewer_id, dispute.raised_by_id):
        warning = "You reviewed or disputed this work: someone else must decide the dispute."
    elif dispute.outcome:
        warning = "This dispute has already been decided."
    return _form_page(
        request,
        form,
        title="Decide the dispute",
        submit="Record the decision",
        back=reverse("oversight:qa-review", args=[dispute.review_id]),
        back_text="Back to the review",
        intro=dispute.grounds,
        warning=warning,
    )


def _teams():
    return Team.objects.filter(is_active=True).order_by("name")


@requires(perms.QA_VIEW)
def observations(request):
    return render(
        request,
        "oversight/qa/observations.html",
        {
            "rows": sel.observation_rows(_teams()),
            "months": rules.QA_OBSERVATION_MONTHS,
            "per_year": rules.QA_OBSERVATIONS_PER_YEAR,
            "can_record": request.user.has_perm(perms.QA_OBSERVE),
        },
    )


@requires(perms.QA_OBSERVE)
@require_http_methods(["GET", "POST"])
def observation_new(request):
    teams = {t.pk: t for t in _teams()}
    form = f.ObservationForm(request.POST or None, teams=[(pk, t.name) for pk, t in teams.items()])
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["team"] = teams.get(data["team"])
        try:
            obs = services.observation_record(actor=request.user, **data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Observation recorded; next due {obs.next_due_on:%-d %B %Y}")
            return redirect("oversight:qa-observations")
    return _form_page(
        request,
        form,
        title="Record a team observation",
        submit="Record the observation",
        back=reverse("oversight:qa-observations"),
        back_text="Back to team observations",
        intro="Green: next in about 6 months; amber: in 2 to 3 months; red: within 1 month "
        "(the inspectorate's cadence).",
    )


@requires(perms.QA_VIEW)
def trends(request):
    by = request.GET.get("by", "team")
    if by not in sel.TREND_BY:
        by = "team"
    months = sel.trend_months(clock.today())
    labels = charts.month_axis_labels(months)
    compliance = sel.monthly_compliance(months)
    chart = charts.line_chart(
        labels,
        [("Rated green (%)", compliance)],
        title="Checklist answers rated green, by month",
        y_label="Per cent",
        summary=charts.trend_sentence(
            "the share of answers rated green",
            [charts.month_label(m, short=False) for m in months],
            compliance,
        ),
        chart_id="chart-qa-compliance",
    )
    return render(
        request,
        "oversight/qa/trends.html",
        {
            "by": by,
            "by_choices": sel.TREND_BY,
            "months": labels,
            "rows": sel.trends(by=by, months=months),
            "chart": chart,
        },
    )


def _my_training(user):
    from waymark.oversight.selectors.qa_people import training_needs
    from waymark.oversight.selectors.training import person_training
    from waymark.work.registry import competence_label

    rows = training_needs(by="person", person_id=user.pk)
    return {
        "needs": rows[0].needs if rows else [],
        "competence_label": competence_label,
        "completed": person_training(user),  # training records: the courses they completed
    }


@signed_in
def mine(request):
    return render(
        request,
        "oversight/qa/mine.html",
        {
            "reviews": sel.my_reviews(request.user),
            "learning": sel.my_learning(request.user),
            # issue 20 item 2: the training the person's recent failures suggest
            "training": _my_training(request.user),
            "training_days": rules.TRAINING_NEEDS_LOOKBACK_DAYS,
        },
    )


@signed_in
@require_http_methods(["POST"])
def learning_done(request, pk: int):
    item = sel.access_learning_item(request.user, pk)
    try:
        services.learning_item_done(actor=request.user, item=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Learning item marked as done")
    return redirect("oversight:qa-mine")


urlpatterns = [
    path("qa/", qa_home, name="qa-home"),
    path("qa/checklists/", checklists, name="qa-checklists"),
    path("qa/rules/new/", rule_new, name="qa-rule-new"),
    path("qa/rules/<int:pk>/draw/", rule_draw, name="qa-rule-draw"),
    path("qa/draws/<int:pk>/", draw_detail, name="qa-draw"),
    path("qa/items/<int:pk>/", item_detail, name="qa-item"),
    path("qa/items/<int:pk>/review/first/", review_first, name="qa-review-first"),
    path("qa/items/<int:pk>/review/second/", review_second, name="qa-review-second"),
    path("qa/reviews/<int:pk>/", review_detail, name="qa-review"),
    path("qa/reviews/<int:pk>/dispute/", review_dispute, name="qa-dispute"),
    path("qa/disputes/<int:pk>/decide/", dispute_decide, name="qa-dispute-decide"),
    path("qa/observations/", observations, name="qa-observations"),
    path("qa/observations/new/", observation_new, name="qa-observation-new"),
    path("qa/trends/", trends, name="qa-trends"),
    path("qa/mine/", mine, name="qa-mine"),
    path("qa/learning/<int:pk>/done/", learning_done, name="qa-learning-done"),
]
