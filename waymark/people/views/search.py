"""Finding a person, adding one (after checking for possible duplicates) and changing their
details."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from waymark.core.exports import Disclosure, export_csv, export_view, export_xlsx
from waymark.core.forms import form_fields
from waymark.core.permissions import requires
from waymark.core.saved_views import filters_remembered, saved_views_panel
from waymark.people import rules, services
from waymark.people.countries import country_name
from waymark.people.forms import PersonCreateForm, PersonDetailsForm, PersonSearchForm
from waymark.people.pages import person_form_page
from waymark.people.search import person_search as search_people
from waymark.people.selectors import access_person, person_visible_queryset
from waymark.people.views._common import _run

SEARCH_PAGE_SIZE = 25
SEARCH_MAX_RESULTS = 500


# The search's page key for its saved and remembered searches (core.saved_views).
SEARCH_PAGE = "people:search"


@requires("people.view_person")
def person_search(request):
    """The search; the last one is remembered and searches may be saved (core.saved_views)."""
    if (remembered := filters_remembered(request, SEARCH_PAGE)) is not None:
        return remembered
    params = (
        "reference",
        "name",
        "date_of_birth_0",
        "date_of_birth_1",
        "date_of_birth_2",
        "nationality",
    )
    searched = any(request.GET.get(p) for p in params) or "search" in request.GET
    form = PersonSearchForm(request.GET if searched else None)
    page = None
    if searched and form.is_valid():
        data = form.cleaned_data
        results = search_people(
            user=request.user,
            query=data["name"],
            reference=data["reference"],
            date_of_birth=data["date_of_birth"],
            nationality=data["nationality"],
            limit=SEARCH_MAX_RESULTS,
        )
        page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/search.html",
        {
            "form": form,
            "fields": {f["name"]: f for f in form_fields(form)},
            "page": page,
            "searched": searched,
            "country_name": country_name,
            "saved_views": saved_views_panel(request, SEARCH_PAGE),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


SEARCH_HEADER = ["Reference", "Name", "Date of birth", "Nationality", "Owning team"]


@requires("people.view_person")
@export_view
def person_search_export(request):
    """The search's results (up to its 500) as CSV or XLSX, audited as one disclosure with the
    search it answered and everyone in it. An invalid or empty search goes back to the page."""
    form = PersonSearchForm(request.GET)
    if not form.is_valid() or not any(form.cleaned_data.get(k) for k in ("name", "reference")):
        messages.error(request, "Search for someone before downloading the results")
        return redirect("people:search")
    data = form.cleaned_data
    found = list(
        search_people(
            user=request.user,
            query=data["name"],
            reference=data["reference"],
            date_of_birth=data["date_of_birth"],
            nationality=data["nationality"],
            limit=SEARCH_MAX_RESULTS,
        )
    )
    results = [r.person for r in found]
    rows = [
        [
            p.reference,
            p.full_name,
            p.date_of_birth,
            ", ".join(country_name(n.country) for n in p.nationalities.all()),
            p.owning_team.name if p.owning_team else "Ownership unclear",
        ]
        for p in results
    ]
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    query = {k: str(v) for k, v in data.items() if v not in (None, "") and k != "date_of_birth"}
    if data.get("date_of_birth"):
        query["date_of_birth"] = data["date_of_birth"].isoformat()
    options = {
        "filename": f"search-results.{file_format}",
        "header": SEARCH_HEADER,
        "rows": rows,
        "count": len(rows),
        "disclosure": Disclosure(
            verb="person.search_exported",
            purpose=f"Person search results, as {file_format.upper()}",
            query=query,
            people=sorted(p.pk for p in results),
        ),
    }
    if file_format == "xlsx":
        return export_xlsx(request, sheet_title="Search results", **options)
    return export_csv(request, **options)


# --------------------------------------------------------------------------------------------
# Adding a person, changing their details


def _possible_duplicates(user, data) -> list:
    """People already recorded who may be this person: same reference, or a close name match
    (with the same date of birth when one is given)."""
    found: dict[int, Any] = {}
    if data.get("reference_value"):
        for result in search_people(
            user=user, reference=data["reference_value"], limit=rules.POSSIBLE_DUPLICATES_LIMIT
        ):
            found[result.person.pk] = result
    name = f"{data['given_names']} {data['family_name']}"
    for result in search_people(
        user=user,
        query=name,
        date_of_birth=data.get("date_of_birth"),
        limit=rules.POSSIBLE_DUPLICATES_LIMIT,
    ):
        found.setdefault(result.person.pk, result)
    return list(found.values())


@requires("people.view_person", "people.add_person")
def person_create(request):
    """Two steps when the record may already exist: the user sees the possible matches and must
    confirm that none of them is the person before a new record is made (no duplicates by habit)."""
    teams = list(request.user.teams.filter(is_active=True).order_by("name"))
    form = PersonCreateForm(request.POST or None, teams=teams)
    matches = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        matches = [] if data["no_match_confirmed"] else _possible_duplicates(request.user, data)
        if not matches:
            references = (
                [(data["reference_type"], data["reference_value"])]
                if data["reference_type"]
                else []
            )
            person = _run(
                form,
                lambda d: services.person_create(
                    actor=request.user,
                    given_names=d["given_names"],
                    family_name=d["family_name"],
                    date_of_birth=d["date_of_birth"],
                    sex=d["sex"],
                    nationalities=[d["nationality"]] if d["nationality"] else [],
                    references=references,
                    owning_team=d["owning_team"],
                ),
            )
            if person is not None:
                recorded = f"{person.full_name} recorded as {person.reference}"
                if not person_visible_queryset(request.user).filter(pk=person.pk).exists():
                    # Ownership unclear: the record waits in the ownership queue, out of the maker's
                    # sight. Say so, rather than land on a page they may not open.
                    messages.success(
                        request,
                        f"{recorded}. Ownership is unclear, so the record is in the ownership "
                        "queue; you will see it when a team takes the case.",
                    )
                    return redirect("people:search")
                messages.success(request, recorded)
                return redirect("people:detail", pk=person.pk)
        else:
            form = PersonCreateForm(
                {**request.POST.dict(), "no_match_confirmed": "True"}, teams=teams
            )
            form.is_valid()
    return render(
        request,
        "people/create.html",
        {
            "form": form,
            "fields": form_fields(form),
            "matches": matches,
            "country_name": country_name,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@requires("people.view_person", "people.change_person")
def person_details_change(request, pk: int):
    person = access_person(request.user, pk)
    initial = {
        k: getattr(person, k)
        for k in ("given_names", "family_name", "date_of_birth", "sex", "main_language", "email")
    }
    initial.update(
        interpreter_needed="yes" if person.interpreter_needed else "no",
        no_fixed_abode="yes" if person.no_fixed_abode else "no",
    )
    form = PersonDetailsForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and _run(form, lambda d: services.person_update(actor=request.user, person=person, **d))
    ):
        messages.success(request, "Details changed")
        return redirect("people:detail", pk=person.pk)
    return person_form_page(
        request,
        person,
        form,
        title="Change personal details",
        submit="Save changes",
        intro="The old values stay in the record's history with your reason.",
    )
