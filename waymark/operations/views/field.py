"""Field pages (brief operations.md §6-§7), phone first: the visit in the field, one form page per
entry type, who is where, the debrief and closure.

Every form works as a normal POST without JavaScript; the hidden ``client_uuid`` is made on the
server when the form is shown, so a double-submitted form is stored once. With JavaScript,
``static/operations/field.mjs`` takes the same forms over, stamps them with the phone's time and
location and queues them on the phone until they are sent (see the module's docstring there).
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from waymark.core import clock
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.permissions import public, requires
from waymark.operations import permissions as perms
from waymark.operations import rules, selectors, services
from waymark.operations.forms import field as field_forms
from waymark.operations.models import Debrief, Seizure, VisitStatus

RECORD = perms.RECORD
VIEW = perms.VIEW_OPERATIONS
COMMAND = perms.COMMAND

# The guidance page for each entry type's step (guidance step keys, platform contracts).
GUIDANCE_KEYS = {
    "arrival": "operations.arrival",
    "departure": "operations.arrival",
    "entry": "operations.entry",
    "encounter": "operations.encounter",
    "interview": "operations.interview",
    "search": "operations.seizure",
    "seizure": "operations.seizure",
    "safeguarding": "operations.safeguarding",
    "employer_sanction": "operations.employer_sanction",
    "engagement": "operations.engagement",
    "critical_incident": "operations.critical_incident",
    "incident_action": "operations.critical_incident",
    "note": "operations.offline",
}
# Entry types behind the big buttons (arrival and departure are the officer's own button).
BUTTON_TYPES = [t for t in selectors.ENTRY_TYPE_ORDER if t not in ("arrival", "departure")]


def _field_url(visit) -> str:
    return reverse("operations:field", args=[visit.pk])


def _offline_context(visit, user) -> dict:
    """What field.mjs needs: where to send, where to go back to, which pages to keep offline."""
    return {
        "officer": user.pk,
        "api_entries": reverse("api:operations-entries"),
        "api_batch": reverse("api:operations-entries-batch"),
        "field_url": _field_url(visit),
        "sw_url": reverse("operations:field-sw"),
        "retry_ms": rules.FIELD_RETRY_INTERVAL_MS,
        "offline_pages": [_field_url(visit)]
        + [reverse("operations:field-entry", args=[visit.pk, t]) for t in rules.ENTRY_TYPES],
    }


@requires(RECORD)
def field_visits(request):
    """The deployed visits the officer is on."""
    return render(
        request,
        "operations/field/visits.html",
        {"visits": selectors.field_visits_for(request.user)},
    )


@requires(RECORD)
def field(request, pk: int):
    visit = selectors.access_field_visit(request.user, pk)
    assignment = selectors.assignment_for(visit, request.user)
    own_type = "departure" if assignment and assignment.on_site else "arrival"
    own_form = field_forms.entry_form(own_type)
    return render(
        request,
        "operations/field/field.html",
        {
            "visit": visit,
            "assignment": assignment,
            "own_type": own_type,
            "own_form": own_form,
            "in_the_field": visit.status == VisitStatus.DEPLOYED,
            "entries": selectors.visit_entries(visit),
            "where": selectors.who_is_where(visit),
            "buttons": [
                (t, rules.ENTRY_TYPES[t])
                for t in BUTTON_TYPES
                if t != "critical_incident" or visit.officer_in_charge_id == request.user.pk
            ],
            "unsigned": selectors.signed_off_pending(visit),
            "is_oic": visit.officer_in_charge_id == request.user.pk,
            "offline": _offline_context(visit, request.user),
        },
    )


@requires(RECORD)
@require_http_methods(["GET", "POST"])
def field_entry(request, pk: int, entry_type: str):
    visit = selectors.access_field_visit(request.user, pk)
    if entry_type not in rules.ENTRY_TYPES:
        raise Http404("No such entry type")
    form = field_forms.entry_form(entry_type, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            entry, created = services.field_entry_record(
                actor=request.user,
                visit=visit,
                entry_type=entry_type,
                client_uuid=form.cleaned_data["client_uuid"],
                recorded_at=clock.now(),
                data=form.to_data(),
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "You may not do this")
        else:
            messages.success(
                request, f"{entry.summary}: saved" if created else f"{entry.summary}: already saved"
            )
            return redirect(_field_url(visit))
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "operations/field/entry.html",
        {
            "visit": visit,
            "form": form,
            "fields": form_fields(form),
            "entry_type": entry_type,
            "title": form.title,
            "guidance_key": GUIDANCE_KEYS[entry_type],
            "offline": _offline_context(visit, request.user),
        },
        status=status,
    )


@requires(RECORD)
@require_POST
def seizure_sign_off(request, pk: int, seizure_pk: int):
    visit = selectors.access_field_visit(request.user, pk)
    seizure = get_object_or_404(Seizure, visit=visit, pk=seizure_pk)
    try:
        services.seizure_property_sign_off(actor=request.user, seizure=seizure)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"Property for exhibit {seizure.exhibit_number} signed off")
    return redirect(_field_url(visit))


@requires(VIEW)
def where(request, pk: int):
    """Who is where: for the officer in charge and a remote manager."""
    visit = selectors.access_where_visit(request.user, pk)
    return render(
        request,
        "operations/field/where.html",
        {
            "visit": visit,
            "where": selectors.who_is_where(visit),
            "now": clock.now(),
            "assigned": selectors.assignment_for(visit, request.user) is not None,
        },
    )


def _commanded_visit(request, pk: int):
    visit = selectors.access_field_visit(request.user, pk)
    if visit.officer_in_charge_id != request.user.pk:
        raise PermissionDenied("Only the officer in charge of this visit may do this")
    return visit


@requires(COMMAND)
@require_http_methods(["GET", "POST"])
def debrief(request, pk: int):
    visit = _commanded_visit(request, pk)
    existing = Debrief.objects.filter(visit=visit).first()
    initial = (
        {k: getattr(existing, k) for k in [*rules.DEBRIEF_SECTIONS, "intelligence_accuracy"]}
        if existing
        else {}
    )
    form = field_forms.DebriefForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.debrief_submit(actor=request.user, visit=visit, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Debrief submitted")
            return redirect(_field_url(visit))
    return render(
        request,
        "operations/field/form.html",
        {
            "visit": visit,
            "form": form,
            "fields": form_fields(form),
            "title": "Debrief",
            "submit": "Submit the debrief",
            "guidance_key": "operations.debrief",
            "intro": "Every section is required. Write enough for the next team to use it.",
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@requires(COMMAND)
@require_http_methods(["GET", "POST"])
def close(request, pk: int):
    visit = _commanded_visit(request, pk)
    form = field_forms.CloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_close(actor=request.user, visit=visit)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            late = visit.closure_due_at and clock.now() > visit.closure_due_at
            messages.success(
                request, "Visit closed" + (" after the 48-hour closure deadline" if late else "")
            )
            return redirect(_field_url(visit))
    return render(
        request,
        "operations/field/form.html",
        {
            "visit": visit,
            "form": form,
            "fields": form_fields(form),
            "title": "Close the visit",
            "submit": "Close the visit",
            "guidance_key": "operations.closure",
            "problems": selectors.incomplete_before_closure(visit)
            if visit.status == VisitStatus.DEPLOYED
            else [],
            "intro": f"Closure is due by {visit.closure_due_at:%d %B %Y %H:%M}."
            if visit.closure_due_at
            else "",
        },
        status=400 if form.is_bound and form.errors else 200,
    )


SERVICE_WORKER = "operations/field-sw.js"


@public
@never_cache
def field_service_worker(request):
    """The field service worker, served under /operations/ so its scope covers the field pages.
    It holds no data (the pages it keeps are the signed-in officer's own, in their browser)."""
    path = finders.find(SERVICE_WORKER)
    if not path:
        raise Http404("No service worker")
    response = HttpResponse(Path(path).read_text(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/operations/"
    return response
