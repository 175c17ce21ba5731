"""Work lists and oversight pages: the authority's home, the decision maker's queue, the specialist
check queue, dip sampling and ratings, trend reviews, and the figures."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.exports import Disclosure, export_csv, export_view
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.metrics import metrics_for_page
from waymark.core.models import AuditAction
from waymark.core.permissions import requires, signed_in
from waymark.nrm import permissions as perms
from waymark.nrm import rules, services
from waymark.nrm.forms_quality import DrawForm, RatingForm, TrendReviewForm
from waymark.nrm.models import QualityRating, SampleRound
from waymark.nrm.selectors import queues as queue_sel
from waymark.nrm.selectors import sampling as sample_sel

PAGE_SIZE = 50


@signed_in
def home(request):
    """Any of the authority's roles, a first responder or an MI reader; the check is inside."""
    user = request.user
    counts = queue_sel.home_counts(user) if user.has_perm(perms.VIEW) else {}
    any_access = any(user.has_perm(p) for p in (perms.VIEW, perms.REFER, perms.VIEW_MI))
    return render(
        request,
        "nrm/home.html",
        {
            "counts": counts,
            "perms": perms,
            "any_access": any_access,
            "rg_target": rules.RG_TARGET_WORKING_DAYS,
        },
    )


def _run(form, action):
    """Call one service with the form's cleaned data; a refusal becomes a form error."""
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        form_add_service_errors(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or "You may not do this")
    return None


@requires(perms.DECIDE)
def queue(request):
    user = request.user
    sort = request.GET.get("sort", "due")
    if sort not in queue_sel.QUEUE_SORTS:
        sort = "due"
    everyone = request.GET.get("all") == "1" and user.has_perm(perms.MANAGE)
    rows = queue_sel.decision_maker_queue(user, sort=sort, everyone=everyone)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = clock.today()
    items = [
        {
            "referral": r,
            "target": queue_sel.rg_target_status(r, today),
            "days": (today - r.received_at.astimezone(clock.LONDON).date()).days,
        }
        for r in page.object_list
    ]
    return render(
        request,
        "nrm/queue.html",
        {"page": page, "items": items, "sort": sort, "everyone": everyone, "today": today},
    )


@requires(perms.CHECK)
def check_queue(request):
    page = Paginator(queue_sel.check_queue(), PAGE_SIZE).get_page(request.GET.get("page"))
    now = clock.now()
    items = [{"check": c, "age": (now - c.requested_at).days} for c in page.object_list]
    return render(
        request,
        "nrm/check_queue.html",
        {
            "page": page,
            "items": items,
            "backlog": queue_sel.check_backlog(),
            "ratio": queue_sel.specialist_ratio(),
            "stretched": rules.SPECIALIST_RATIO_STRETCHED,
        },
    )


@requires(perms.CHECK)
def sampling(request):
    form = DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sample_round = _run(
            form,
            lambda d: services.dip_sample_draw(
                actor=request.user, period_start=d["period_start"], period_end=d["period_end"]
            ),
        )
        if sample_round is not None:
            messages.success(
                request, f"{len(sample_round.drawn)} decisions drawn at {sample_round.rate:.0%}"
            )
            return redirect("nrm:sample-round", sample_round.pk)
    rate, reason = sample_sel.next_rate()
    rounds = Paginator(sample_sel.rounds_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "round": r,
            "rated": sum(1 for q in r.ratings.all() if q.rating),
            "red_share": sample_sel.round_red_share(r),
        }
        for r in rounds.object_list
    ]
    return render(
        request,
        "nrm/sampling.html",
        {
            "form": form,
            "fields": form_fields(form),
            "page": rounds,
            "rows": rows,
            "next_rate": rate,
            "next_reason": reason,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(perms.CHECK)
def sample_round(request, pk: int):
    try:
        the_round = SampleRound.objects.select_related("drawn_by").get(pk=pk)
    except SampleRound.DoesNotExist:
        raise Http404("No such sample round") from None
    rederived = services.dip_sample_rederive(the_round)
    return render(
        request,
        "nrm/sample_round.html",
        {
            "round": the_round,
            "ratings": sample_sel.round_ratings(the_round),
            "reproduced": rederived == the_round.drawn,
            "red_share": sample_sel.round_red_share(the_round),
        },
    )


@requires(perms.CHECK)
def rating(request, pk: int):
    try:
        the_rating = sample_sel.rating_get(pk)
    except QualityRating.DoesNotExist:
        raise Http404("No such rating") from None
    decision = the_rating.decision
    initial = (
        {
            "rating": the_rating.rating,
            "reason_codes": the_rating.reason_codes,
            "notes": the_rating.notes,
        }
        if the_rating.rating
        else None
    )
    form = RatingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda d: services.quality_rate(
                actor=request.user,
                rating=the_rating,
                rating_value=d["rating"],
                reason_codes=d["reason_codes"],
                notes=d["notes"],
            ),
        )
        if done is not None:
            messages.success(request, f"Rated {done.rating}")
            if the_rating.sample_round_id:
                return redirect("nrm:sample-round", the_rating.sample_round_id)
            return redirect("nrm:sampling")
    # The rating page shows the decision's rationale: a consultation of the referral's record.
    audit_record(
        actor=request.user,
        action=AuditAction.CONSULTATION,
        verb="nrm.referral_viewed",
        target=decision.referral,
        person_id=decision.referral.person_id,
        payload={"page": "rating", "decision": decision.pk},
    )
    back = (
        reverse("nrm:sample-round", args=[the_rating.sample_round_id])
        if the_rating.sample_round_id
        else reverse("nrm:sampling")
    )
    return render(
        request,
        "nrm/rating.html",
        {
            "form": form,
            "fields": form_fields(form),
            "rating": the_rating,
            "decision": decision,
            "own": decision.decision_maker_id == request.user.pk,
            "back": back,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(perms.VIEW_MI)
def trend_reviews(request):
    today = clock.today()
    may_record = request.user.has_perm(perms.CHECK)
    form = TrendReviewForm(request.POST or None, today=today)
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        if form.is_valid():
            review = _run(
                form,
                lambda d: services.trend_review_record(
                    actor=request.user,
                    quarter_start=d["quarter_start"],
                    findings=d["findings"],
                    actions=d["actions"],
                ),
            )
            if review is not None:
                messages.success(request, "Trend review recorded")
                return redirect("nrm:trend-reviews")
    quarter = request.GET.get("quarter")
    try:
        shown = sample_sel.quarter_start_of(date.fromisoformat(quarter) if quarter else today)
    except ValueError:
        shown = sample_sel.quarter_start_of(today)
    reviews = Paginator(sample_sel.trend_reviews(), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "nrm/trend_reviews.html",
        {
            "form": form,
            "fields": form_fields(form),
            "may_record": may_record,
            "page": reviews,
            "live": sample_sel.quality_figures(shown),
            "shown": shown,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


urlpatterns: list = [
    path("", home, name="home"),
    path("queue/", queue, name="queue"),
    path("checks/", check_queue, name="check-queue"),
    path("sampling/", sampling, name="sampling"),
    path("sampling/<int:pk>/", sample_round, name="sample-round"),
    path("ratings/<int:pk>/", rating, name="rating"),
    path("trend-reviews/", trend_reviews, name="trend-reviews"),
]


def _headline(start: date, end: date) -> list[tuple]:
    """The headline counts, defined once in the metric registry (core.metrics; registered in
    registrations.py): (figure, value, counted over the quarter or now). Each is about victims, so
    a count below the small-number threshold is shown as "fewer than 11", as in the tables."""
    from waymark.nrm.selectors import figures as fig

    out = []
    for m in metrics_for_page("nrm:figures"):
        value = m.value(start=start, end=end) if m.by_period else m.value()
        shown = value if value is None or rules.suppress(value) is not None else fig.SUPPRESSED
        out.append((m, shown, m.by_period))
    return out


@requires(perms.VIEW_MI)
def figures(request):
    from waymark.nrm.selectors import figures as fig
    from waymark.nrm.selectors.figures_read_model import quarter_figures

    q = quarter_figures(request.GET.get("quarter"))
    return render(
        request,
        "nrm/figures.html",
        {
            "figures": fig.FIGURES,
            "rows": q.rows,
            "headline": _headline(q.start, q.end),
            "label": q.label,
            "start": q.start,
            "end": q.end,
            "as_of": q.as_of,
            "options": fig.quarter_options(),
            "quality": q.quality,
            "quality_labels": fig.DATA_QUALITY_LABELS,
            "threshold": rules.SMALL_NUMBER_THRESHOLD,
        },
    )


urlpatterns.append(path("figures/", figures, name="figures"))


@requires(perms.VIEW_MI)
@export_view
def figures_export(request):
    """The figures of a quarter as CSV, one row per figure row, through the audited export door
    (aggregates: the file names no person)."""
    from waymark.nrm.selectors import figures as fig
    from waymark.nrm.selectors.figures_read_model import quarter_figures

    q = quarter_figures(request.GET.get("quarter"))
    label, rows = q.label, q.rows
    lines: list[list] = []
    if q.as_of is not None:
        lines.append(["as_of", label, q.as_of.isoformat()])
    # The headline counts and each one's definition, in the registry's words (core.metrics).
    for m, value, in_period in _headline(q.start, q.end):
        lines.append([m.name, label if in_period else "now", value])
    for m in metrics_for_page("nrm:figures-export"):
        lines.append(["definition", m.name, m.definition])
    for name, figure in fig.FIGURES.items():
        lines.append([figure.title, label, *figure.columns])
        lines.extend([name, label, *("" if v is None else v for v in row)] for row in rows[name])
    return export_csv(
        request,
        filename=f"nrm-figures-{label}.csv",
        header=["figure", "period", "row"],
        rows=lines,
        count=len(lines),
        disclosure=Disclosure(
            verb="nrm.figures_exported",
            purpose="Management information export",
            query={"quarter": label, "figures": list(fig.FIGURES)},
        ),
    )


urlpatterns.append(path("figures/export/", figures_export, name="figures-export"))
