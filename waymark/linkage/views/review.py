"""Pages of record linkage: the dashboard, the clerical review queue, a pair side by side with the
model's reasons and the decision form, one source record, the run history with measured accuracy
and the trained model, a page to try the incremental match, and the person's "Linked records" tab.
Thin: reads through ``selectors``, writes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from waymark.core import charts
from waymark.core.audit import audit_record
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.models import AuditAction
from waymark.core.permissions import requires
from waymark.linkage import rules, selectors, services
from waymark.linkage.forms import review as f
from waymark.linkage.models import CandidatePair, PairStatus, RunStatus
from waymark.linkage.permissions import IMPORT_RECORDS
from waymark.linkage.permissions import LINK_RECORDS as LINK
from waymark.linkage.permissions import REVIEW_LINKS as REVIEW


def url_or_blank(name: str, *args) -> str:
    """A page another part of the module builds ('' until it exists)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _import_url(job) -> str:
    return url_or_blank("linkage:import-detail", job.pk) if job is not None else ""


# ------------------------------------------------------------------------------------------------
# Dashboard


@requires(LINK)
def home(request):
    return render(
        request,
        "linkage/review/home.html",
        {
            "figures": selectors.dashboard_figures(),
            "can_review": request.user.has_perm(REVIEW),
            "can_import": request.user.has_perm(IMPORT_RECORDS),
            "import_url": url_or_blank("linkage:import-list"),
            "import_new_url": url_or_blank("linkage:import-new"),
            "bulk_url": url_or_blank("linkage:bulk-list"),
        },
    )


# ------------------------------------------------------------------------------------------------
# The review queue


@requires(LINK)
def review_queue(request):
    form = f.QueueFilterForm(request.GET or None)
    status, band = form.chosen()
    queue = selectors.review_queue(request.user, status=status, band=band)
    page = Paginator(queue, rules.REVIEW_QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "pair": p,
            "probability": selectors.percent(p.match_probability),
            "band": selectors.band_of(p.match_probability)[1],
            "held": selectors.HELD_SHORT if selectors.held_by_the_twins_guard(p) else "",
        }
        for p in page.object_list
    ]
    return render(
        request,
        "linkage/review/queue.html",
        {
            "filter": form,
            "status": status,
            "band": band,
            "page": page,
            "rows": rows,
            "counts": selectors.review_queue_counts(request.user),
            "filtered": bool(status or band),
            "status_items": [
                {"value": v, "text": t, "selected": v == status}
                for v, t in form.fields["status"].choices
            ],
            "band_items": [
                {"value": v, "text": t, "selected": v == band}
                for v, t in form.fields["band"].choices
            ],
        },
    )


# ------------------------------------------------------------------------------------------------
# One pair


def _pair_viewed(request, pair: CandidatePair) -> None:
    """The comparison shows two people's details: a consultation of each person linked."""
    person_ids = sorted({pid for pid in (pair.record_l.person_id, pair.record_r.person_id) if pid})
    payload = {
        "pair": pair.pk,
        "records": [pair.record_l.unique_id, pair.record_r.unique_id],
        "people": person_ids,
    }
    for person_id in person_ids or [None]:
        audit_record(
            actor=request.user,
            action=AuditAction.CONSULTATION,
            verb="linkage.pair_viewed",
            target=pair,
            person_id=person_id,
            payload=payload,
            purpose="Clerical review of a linkage pair",
        )


def _pair_page(
    request,
    pair: CandidatePair,
    form: f.PairDecisionForm | None,
    *,
    refusal: str = "",
    status: int = 200,
):
    context = selectors.pair_detail(request.user, pair)
    can_decide = request.user.has_perm(REVIEW)
    open_for_decision = pair.status in (PairStatus.PENDING, PairStatus.UNSURE)
    fields = form_fields(form) if form is not None else []
    for spec in fields:
        if spec["name"] == "decision":
            for item in spec["items"]:
                item["hint"] = {"text": f.DECISION_HINTS[item["value"]]}
    context.update(
        {
            "form": form if (can_decide and open_for_decision) else None,
            "fields": fields,
            "can_decide": can_decide,
            "open_for_decision": open_for_decision,
            "refusal": refusal,
            "left_import_url": _import_url(pair.record_l.import_job),
            "right_import_url": _import_url(pair.record_r.import_job),
            "queue_url": reverse("linkage:review-queue"),
            "next_pair": (
                selectors.review_queue(request.user, status=PairStatus.PENDING)
                .exclude(pk=pair.pk)
                .first()
                if not open_for_decision or pair.status == PairStatus.UNSURE
                else None
            ),
        }
    )
    return render(request, "linkage/review/pair.html", context, status=status)


@requires(LINK)
@require_http_methods(["GET", "POST"])
def pair(request, pk: int):
    pair = selectors.access_pair(request.user, pk)
    if request.method == "GET":
        _pair_viewed(request, pair)
        return _pair_page(request, pair, f.PairDecisionForm())
    if not request.user.has_perm(REVIEW):
        raise PermissionDenied
    form = f.PairDecisionForm(request.POST)
    if pair.status == PairStatus.AUTO:
        return _pair_page(
            request,
            pair,
            None,
            status=409,
            refusal="These records were linked automatically: there is no decision to make.",
        )
    if not form.is_valid():
        return _pair_page(request, pair, form, status=400)
    try:
        decided = services.pair_decide(
            actor=request.user,
            pair=pair,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except services.PairAlreadyDecided as exc:
        pair.refresh_from_db()
        return _pair_page(request, pair, None, refusal=" ".join(exc.messages), status=409)
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return _pair_page(request, pair, form, status=400)
    messages.success(
        request,
        {
            PairStatus.MATCH: "Decision saved: the same person. The two records are now one person.",
            PairStatus.NOT_MATCH: "Decision saved: not the same person. The records stay apart.",
            PairStatus.UNSURE: "Referred to a senior reviewer: the pair stays in the queue as unsure.",
        }[decided.status],
    )
    return redirect("linkage:pair", decided.pk)


# ------------------------------------------------------------------------------------------------
# One source record


@requires(LINK)
def record(request, pk: int):
    record = selectors.access_record(request.user, pk)
    if record.person_id:
        audit_record(
            actor=request.user,
            action=AuditAction.CONSULTATION,
            verb="linkage.record_viewed",
            target=record,
            person_id=record.person_id,
            payload={"record": record.unique_id},
            purpose="Record linkage: a source record",
        )
    pairs = [
        {
            "pair": p,
            "other": p.record_r if p.record_l_id == record.pk else p.record_l,
            "probability": selectors.percent(p.match_probability),
        }
        for p in selectors.record_pairs(request.user, record)[:50]
    ]
    return render(
        request,
        "linkage/review/record.html",
        {
            "record": record,
            "owner": selectors.person_of(request.user, record),
            "rows": selectors.records_side_by_side(record, record),
            "pairs": pairs,
            "siblings": selectors.record_siblings(request.user, record)[:50],
            "import_url": _import_url(record.import_job),
        },
    )


# ------------------------------------------------------------------------------------------------
# Runs


@requires(LINK)
def runs(request):
    page = Paginator(selectors.run_list(), rules.RUN_LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "linkage/review/runs.html",
        {
            "page": page,
            "active": selectors.run_active(),
            "can_start": request.user.has_perm(REVIEW),
            "rows": [
                {"run": r, "accuracy": selectors.run_accuracy_rows(r)} for r in page.object_list
            ],
        },
    )


@requires(LINK)
def run_detail(request, pk: int):
    run = selectors.run_get(pk)
    scores = selectors.run_score_bins(run)
    return render(
        request,
        "linkage/review/run.html",
        {
            "run": run,
            "accuracy": selectors.run_accuracy_rows(run),
            "blocking": selectors.run_blocking(run),
            "calibration": selectors.run_calibration(run),
            "timings": selectors.run_timings(run),
            "model": selectors.run_model_levels(run),
            "prior": selectors.run_prior(run),
            "busy": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
            "refresh_seconds": rules.PROGRESS_REFRESH_SECONDS,
            "step": selectors.job_step(run.phase, rules.RUN_STEPS),
            "records_with_truth": (run.accuracy or {}).get("records_with_truth"),
            "upper": selectors.percent(run.upper_threshold),
            "lower": selectors.percent(run.lower_threshold),
            "scores": scores,
            "scores_chart": _scores_chart(run, scores),
        },
    )


def _scores_chart(run, scores) -> dict | None:
    """The run's pairs by match weight, as a histogram (decision 0014)."""
    bins, auto = scores["bins"], scores["auto"]
    labels = [b["label"] for b in bins]
    counts = [b["count"] for b in bins]
    return charts.histogram(
        list(zip(labels, counts, strict=True)),
        edges=scores["edges"],
        title="Pairs by match weight",
        y_label="Pairs",
        x_label="Match weight",
        summary=charts.largest_sentence(
            "pairs this run scored",
            labels,
            counts,
            verb="had a match weight of",
            singular="pair this run scored",
            then=f"{auto:,} {'was' if auto == 1 else 'were'} at or above the threshold for "
            f"linking automatically ({selectors.percent(run.upper_threshold)})",
        ),
        chart_id="chart-run-scores",
    )


@requires(LINK, REVIEW)
@require_POST
def run_start(request):
    try:
        run = services.linkage_run_start(actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("linkage:runs")
    messages.success(
        request, f"Linkage run {run.pk} is waiting to start. This page shows its progress."
    )
    return redirect("linkage:run-detail", run.pk)


# ------------------------------------------------------------------------------------------------
# Incremental match


@requires(LINK)
@require_http_methods(["GET", "POST"])
def match(request):
    form = f.MatchTrialForm(request.POST if request.method == "POST" else None)
    candidates = None
    if request.method == "POST" and form.is_valid():
        details = form.details()
        purpose = details.pop("purpose", "")
        try:
            found = services.person_match(actor=request.user, purpose=purpose, **details)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            candidates = [
                {
                    "candidate": c,
                    "probability": selectors.percent(c.match_probability),
                    "waterfall": selectors.reasons_waterfall(
                        list(c.contributions or []), c.match_weight
                    ),
                }
                for c in found
            ]
    return render(
        request,
        "linkage/review/match.html",
        {
            "form": form,
            "fields": form_fields(form),
            "candidates": candidates,
            "has_run": selectors.run_completed_exists(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# ------------------------------------------------------------------------------------------------
# The person's "Linked records" tab: every source record linked to the person


@requires(LINK)
def person_records(request, pk: int):
    from waymark.people.pages import person_page_context
    from waymark.people.selectors import access_person
    from waymark.people.services import person_record_view

    subject = access_person(request.user, pk)
    person_record_view(actor=request.user, person=subject, page="linked records")
    records = selectors.person_source_records(subject)
    context = person_page_context(request, subject, "linkage")
    context.update({"records": records, "open_pairs": selectors.records_open_pairs(records)})
    return render(request, "linkage/review/person_records.html", context)
