"""Pages of bulk checks and the ownership clean-up: the list of checks, starting one, one check with
the count of matches still unreviewed, one match side by side with the model's reasons and the
decision form, the reviewed list of criminality not previously known (with a CSV export, audited
as a disclosure), and the ownership clean-up with the Figure 3 table. Thin: reads through
``selectors``, writes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from waymark.core.audit import audit_record
from waymark.core.exports import Disclosure, export_csv, export_view
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.models import AuditAction
from waymark.core.permissions import requires
from waymark.linkage import rules, selectors, services
from waymark.linkage.forms import bulk as f
from waymark.linkage.models import BulkCheckStatus, BulkMatchStatus
from waymark.linkage.permissions import LINK_RECORDS as LINK
from waymark.linkage.permissions import REVIEW_LINKS as REVIEW
from waymark.linkage.selectors import percent, reasons_waterfall, signed

PAGE_SIZE = 50


def _require_review(request) -> None:
    if not request.user.has_perm(REVIEW):
        raise PermissionDenied


# ------------------------------------------------------------------------------------------------
# Checks


@requires(LINK)
def bulk_list(request):
    page = Paginator(selectors.bulk_check_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "linkage/bulk/list.html",
        {
            "page": page,
            "can_start": request.user.has_perm(REVIEW),
            "populations": selectors.POPULATIONS,
        },
    )


@requires(REVIEW)
@require_http_methods(["GET", "POST"])
def bulk_new(request):
    form = f.BulkCheckForm(request.POST or None)
    has_imports = selectors.police_imports_completed().exists()
    if request.method == "POST" and form.is_valid():
        try:
            check = services.bulk_check_start(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Bulk check '{check.name}' started. This page updates as it runs."
            )
            return redirect("linkage:bulk-detail", check.pk)
    return render(
        request,
        "linkage/bulk/new.html",
        {
            "form": form,
            "fields": form_fields(form),
            "has_imports": has_imports,
            "populations": selectors.POPULATIONS.values(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(LINK)
def bulk_detail(request, pk: int):
    check = selectors.access_bulk_check(request.user, pk)
    status = request.GET.get("status", "")
    if status not in BulkMatchStatus.values:
        status = ""
    page = Paginator(
        selectors.bulk_matches(request.user, check, status=status), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    counts = selectors.bulk_check_counts(check)
    return render(
        request,
        "linkage/bulk/detail.html",
        {
            "check": check,
            "counts": counts,
            "page": page,
            "status": status,
            "rows": [
                {"match": m, "probability": percent(m.match_probability)} for m in page.object_list
            ],
            "population": selectors.POPULATIONS.get(check.population),
            "running": check.status in (BulkCheckStatus.QUEUED, BulkCheckStatus.RUNNING),
            "refresh_seconds": rules.PROGRESS_REFRESH_SECONDS,
            "step": selectors.job_step(check.phase, rules.BULK_CHECK_STEPS),
            "first_pending": selectors.bulk_matches(
                request.user, check, status=BulkMatchStatus.PENDING
            ).first(),
            "status_items": [{"value": "", "text": "All", "selected": not status}]
            + [
                {"value": v, "text": t, "selected": v == status} for v, t in BulkMatchStatus.choices
            ],
        },
    )


# ------------------------------------------------------------------------------------------------
# One match


def _police_rows(match) -> list[dict]:
    person, police = match.person, match.police_record
    nationalities = ", ".join(n.country for n in person.nationalities.all())
    address = person.addresses.first()
    refs = {r.reference_type: r.value for r in person.references.all()}
    return [
        {"label": "Name", "left": person.full_name, "right": police.full_name},
        {
            "label": "Date of birth",
            "left": person.date_of_birth,
            "right": police.date_of_birth,
            "date": True,
        },
        {"label": "Sex", "left": person.get_sex_display(), "right": police.sex},
        {"label": "Nationality", "left": nationalities, "right": police.nationality},
        {
            "label": "Postcode",
            "left": address.postcode if address else "",
            "right": police.postcode,
        },
        {
            "label": "Home Office reference",
            "left": refs.get("home_office", ""),
            "right": police.home_office_ref,
        },
        {
            "label": "Police National Computer ID",
            "left": refs.get("pnc", ""),
            "right": police.pnc_id,
        },
    ]


def _match_page(request, match, form, *, status: int = 200, refusal: str = ""):
    extra = match.police_record.extra or {}
    convictions = list(match.person.convictions.all()[:10])
    return render(
        request,
        "linkage/bulk/match.html",
        {
            "match": match,
            "check": match.check_run,
            "form": form,
            "fields": form_fields(form) if form else [],
            "rows": _police_rows(match),
            "police_extra": extra,
            "convictions": convictions,
            "probability": percent(match.match_probability),
            "weight": signed(match.match_weight),
            "waterfall": reasons_waterfall(list(match.contributions or []), match.match_weight),
            "can_decide": request.user.has_perm(REVIEW),
            "pending": match.status == BulkMatchStatus.PENDING,
            "refusal": refusal,
            "next_match": selectors.next_pending(request.user, match),
        },
        status=status,
    )


@requires(LINK)
@require_http_methods(["GET", "POST"])
def bulk_match(request, pk: int):
    match = selectors.access_bulk_match(request.user, pk)
    if request.method == "GET":
        audit_record(
            actor=request.user,
            action=AuditAction.CONSULTATION,
            verb="linkage.bulk_match_viewed",
            target=match,
            person_id=match.person_id,
            payload={"police_record": match.police_record.unique_id},
            purpose="Police bulk check: compare a person with a police record",
        )
        return _match_page(request, match, f.BulkMatchDecisionForm())
    _require_review(request)
    form = f.BulkMatchDecisionForm(request.POST)
    if not form.is_valid():
        return _match_page(request, match, form, status=400)
    try:
        decided = services.bulk_match_decide(actor=request.user, match=match, **form.cleaned_data)
    except services.BulkMatchAlreadyDecided as exc:
        match.refresh_from_db()
        return _match_page(request, match, None, refusal=" ".join(exc.messages), status=409)
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return _match_page(request, match, form, status=400)
    if decided.status == BulkMatchStatus.REJECTED:
        messages.success(request, "Decision saved: not the same person.")
    elif decided.previously_known:
        messages.success(
            request,
            "Decision saved: the same person. Their record already showed this criminality.",
        )
    else:
        messages.success(
            request,
            "Decision saved: the same person, with criminality not previously known. "
            "A task has gone to the person's owner.",
        )
    following = selectors.next_pending(request.user, decided)
    return (
        redirect("linkage:bulk-match", following.pk)
        if following
        else redirect("linkage:bulk-detail", decided.check_run_id)
    )


# ------------------------------------------------------------------------------------------------
# The reviewed list


CSV_HEADERS = [
    "Waymark reference",
    "Name",
    "Date of birth",
    "Owning team",
    "PNC ID",
    "Offences",
    "Most serious offence",
    "Last conviction",
    "Police force",
    "Bulk check",
    "Confirmed by",
    "Confirmed on",
    "Owner task",
]
NEW_CRIMINALITY_PURPOSE = "Criminality not previously known: the reviewed list, as CSV"


@requires(LINK)
@export_view
def bulk_new_criminality(request):
    check = None
    if request.GET.get("check"):
        check = selectors.access_bulk_check(request.user, request.GET["check"])
    matches = selectors.new_criminality(request.user, check=check)
    if request.GET.get("format") == "csv":
        return _new_criminality_csv(request, matches, check)
    page = Paginator(matches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "linkage/bulk/new_criminality.html", {"page": page, "check": check})


def _new_criminality_row(m) -> list:
    extra = m.police_record.extra or {}
    decider = (m.decided_by.get_full_name() or m.decided_by.get_username()) if m.decided_by else ""
    return [
        m.person.reference,
        m.person.full_name,
        m.person.date_of_birth or "",
        m.person.owning_team.name if m.person.owning_team else "Ownership unclear",
        m.police_record.pnc_id,
        extra.get("offence_count") or "",
        extra.get("most_serious_offence", ""),
        extra.get("last_conviction_date", ""),
        extra.get("force", ""),
        m.check_run.name,
        decider,
        m.decided_at.date().isoformat() if m.decided_at else "",
        m.owner_task_id or "",
    ]


def _new_criminality_csv(request, matches, check):
    """Streamed through the export helper (issue 14 item 11); the people are counted first, by the
    same query, for the one disclosure entry."""
    people = list(matches.values_list("person_id", flat=True))
    return export_csv(
        request,
        filename="criminality-not-previously-known.csv",
        header=CSV_HEADERS,
        rows=(_new_criminality_row(m) for m in matches.iterator(chunk_size=2000)),
        count=len(people),
        disclosure=Disclosure(
            verb="linkage.new_criminality_exported",
            people=people,
            target=check,
            query={"check": check.pk if check else None},
            purpose=NEW_CRIMINALITY_PURPOSE,
        ),
    )


# ------------------------------------------------------------------------------------------------
# Ownership clean-up


@requires(LINK)
def ownership_page(request):
    page = Paginator(selectors.people_to_decide(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = selectors.figure3_counts()
    return render(
        request,
        "linkage/ownership/page.html",
        {
            "figure3": rows[:-1],
            "total": rows[-1][1],
            "conflicting": selectors.conflicting_open_count(),
            "no_legacy": selectors.no_legacy_open_count(),
            "page": page,
            "can_run": request.user.has_perm(REVIEW),
            "summary": selectors.findings_summary(),
            "unsettled": selectors.linked_people_without_owner_or_task().count(),
            "linked": selectors.linked_people().count(),
        },
    )


@requires(REVIEW)
@require_POST
def ownership_run(request):
    try:
        summary = services.ownership_cleanup(actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("linkage:ownership")
    messages.success(
        request,
        (
            f"Ownership clean-up finished: {summary.people} linked people checked, {summary.owners_set} given an "
            f"owner, {summary.tasks_created} new 'ownership to be decided' tasks, "
            f"{summary.findings_changed} findings changed."
        ),
    )
    return redirect("linkage:ownership")
