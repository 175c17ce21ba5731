"""Every read of personal data leaves one consultation entry and is never cached (issue 14 items
6 and 14; DPA 2018 s62).

The test walks every URL pattern, API routes included, and sorts each into one of three kinds:

- declared as carrying no personal data (``@public`` or ``@no_personal_data``);
- exercised: one GET as a user who may see everything, with ids from the demo data, must answer
  2xx with ``Cache-Control: no-store`` and exactly one new consultation (or disclosure) entry;
- listed in ``NOT_READ_BY_GET`` with the status its GET answers and why (actions taken by POST,
  pages that redirect without a particular state); the status is checked, and such a GET leaves no
  entry.

A new route that is none of these fails the test, so it cannot ship without its audit.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.apps import apps
from django.urls import get_resolver

from tests.test_architecture import _walk
from waymark.accounts.models import Team, User
from waymark.core import clock
from waymark.core.middleware import carries_no_personal_data
from waymark.core.models import AuditAction, AuditEvent

ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)
_ARG = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
# Served by third-party code: the admin (staff only; the middleware covers it like any page, but
# its generated routes are not walked) and the health check (no user, no personal data).
THIRD_PARTY_PREFIXES = ("django-admin/", "health/")

POST_ONLY = "an action taken by POST; GET is refused"
API_POST_ONLY = "an API action taken by POST: GET is not a method it has"
NOT_READ_BY_GET: dict[str, tuple[int, str]] = {
    "work/get-next/": (405, POST_ONLY),
    "oversight/qa/learning/<int:pk>/done/": (405, POST_ONLY),
    "oversight/objectives/<int:pk>/measure/": (405, POST_ONLY),
    "oversight/training/<int:pk>/approve/": (405, POST_ONLY),
    "oversight/qa/reviews/<int:pk>/dispute/": (
        403,
        "only the person whose work was reviewed may dispute it; the reader did none",
    ),
    "notifications/read/": (405, POST_ONLY),
    "oversight/complaints/from-correspondence/": (
        404,
        "records a complaint from a correspondence item named by ?correspondence=; without one "
        "there is nothing to record it from",
    ),
    "oversight/complaints/<int:pk>/ombudsman/finding/": (
        404,
        "there is a finding to record only once the Ombudsman has taken the complaint up",
    ),
    "people/search/export/": (
        302,
        "downloads a search's results; without a search it goes back to the search page",
    ),
    "work/queues/<slug:slug>/allocate/": (405, POST_ONLY),
    "work/queues/<slug:slug>/bulk/": (405, POST_ONLY),
    "work/queues/<slug:slug>/saved-filters/": (405, POST_ONLY),
    "work/saved-filters/<int:pk>/delete/": (405, POST_ONLY),
    "saved-views/": (405, POST_ONLY),
    "saved-views/<int:pk>/delete/": (405, POST_ONLY),
    "work/tasks/<int:pk>/<slug:action>/": (405, POST_ONLY),
    "correspondence/<int:pk>/match/": (405, POST_ONLY),
    "correspondence/<int:pk>/no-person-needed/": (405, POST_ONLY),
    "casework/people/<int:pk>/preparation/": (405, POST_ONLY),
    "casework/people/<int:pk>/refer/": (405, POST_ONLY),
    "casework/absconders/<int:pk>/trace/": (405, POST_ONLY),
    "casework/preparation/<int:pk>/initial/": (405, POST_ONLY),
    "casework/events/<int:pk>/attended/": (405, POST_ONLY),
    "operations/visits/<int:pk>/request-authorisation/": (405, POST_ONLY),
    "operations/visits/<int:pk>/deploy/": (405, POST_ONLY),
    "operations/visits/<int:pk>/field/seizures/<int:seizure_pk>/sign-off/": (405, POST_ONLY),
    "linkage/runs/start/": (405, POST_ONLY),
    "linkage/imports/<int:pk>/cancel/": (405, POST_ONLY),
    "linkage/ownership/run/": (405, POST_ONLY),
    "linkage/imports/<int:pk>/columns/": (
        302,
        "redirects to the import unless it awaits its columns "
        "(the demo data holds no import at that step)",
    ),
    "linkage/imports/<int:pk>/check/": (
        302,
        "redirects to the import unless it awaits confirmation "
        "(the demo data holds no import at that step)",
    ),
    "api/v1/tasks/<int:pk>/complete/": (405, API_POST_ONLY),
    "api/v1/operations/notifications/<int:pk>/answer/": (405, API_POST_ONLY),
    "api/v1/operations/entries/": (405, API_POST_ONLY),
    "api/v1/operations/entries/batch/": (405, API_POST_ONLY),
    "api/v1/linkage/match/": (405, API_POST_ONLY),
}
# The field pages need the visit the reader is assigned to and in charge of (set up below).
FIELD_VISIT = {"officers__officer__username": "coverage-reader"}
PK_FILTERS: dict[str, dict] = {
    "operations/visits/<int:pk>/edit/": {"status__in": ["planning", "authorised"]},
    "operations/visits/<int:pk>/field/": FIELD_VISIT,
    "operations/visits/<int:pk>/field/<slug:entry_type>/": FIELD_VISIT,
    "operations/visits/<int:pk>/debrief/": FIELD_VISIT,
    "operations/visits/<int:pk>/close/": FIELD_VISIT,
    # a competence still in force (a withdrawn one sends the reader back to the register)
    "oversight/competence/<int:pk>/withdraw/": {"withdrawn_at__isnull": True},
}


def _routes():
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.startswith(THIRD_PARTY_PREFIXES):
            yield route, callback


class _Missing:
    """Stands for an object the demo data lacks: its route then answers 404 and must be listed."""

    pk = 999_999_999
    reference = "WM-9999999"
    slug = "missing"

    def __getattr__(self, name):
        return self.pk


def _first(label: str, **filters):
    return apps.get_model(label).objects.filter(**filters).order_by("pk").first() or _Missing()


# The model a route's ``pk`` names, by the app and the path segment before it.
PK_MODELS = {
    ("nrm", "referrals"): "nrm.Referral",
    ("work", "tasks"): "work.Task",
    ("work", "saved-filters"): "work.SavedFilter",
    ("saved-views", "saved-views"): "core.SavedView",
    ("correspondence", ""): "correspondence.CorrespondenceItem",
    ("documents", ""): "documents.Document",
    ("monitoring", "conditions"): "monitoring.Condition",
    ("monitoring", "exemptions"): "monitoring.Exemption",
    ("monitoring", "orders"): "monitoring.FittingOrder",
    ("monitoring", "breaches"): "monitoring.Breach",
    ("monitoring", "referrals"): "monitoring.ProsecutionReferral",
    ("monitoring", "reviews"): "monitoring.Review",
    ("monitoring", "challenges"): "monitoring.Challenge",
    ("monitoring", "trail-data"): "monitoring.TrailDataRequest",
    ("casework", "restrictions"): "casework.ReportingRestriction",
    ("casework", "steps"): "casework.ContactStep",
    ("casework", "absconders"): "casework.AbsconderDeclaration",
    ("casework", "trace"): "casework.TraceReferral",
    ("casework", "reviews"): "casework.CaseReview",
    ("casework", "preparation"): "casework.CasePreparation",
    ("casework", "barriers"): "casework.Barrier",
    ("casework", "further-submissions"): "casework.FurtherSubmission",
    ("casework", "referrals"): "casework.Referral",
    ("casework", "removals"): "casework.RemovalDirection",
    ("casework", "charters"): "casework.Charter",
    ("casework", "detention"): "casework.DetentionRequest",
    ("casework", "events"): "casework.ReportingEvent",
    ("casework", "commissions"): "casework.Commission",
    ("operations", "intelligence"): "operations.IntelligencePackage",
    ("operations", "visits"): "operations.Visit",
    ("operations", "forms"): "operations.NotificationForm",
    ("operations", "notifications"): "operations.NotificationForm",
    ("operations", "objectives"): "operations.Objective",
    ("operations", "measures"): "operations.ObjectiveMeasure",
    ("linkage", "pairs"): "linkage.CandidatePair",
    ("linkage", "records"): "linkage.SourceRecord",
    ("linkage", "runs"): "linkage.LinkageRun",
    ("linkage", "imports"): "linkage.ImportJob",
    ("linkage", "bulk"): "linkage.BulkCheck",
    ("linkage", "matches"): "linkage.BulkCheckMatch",
    ("oversight", "recommendations"): "oversight.Recommendation",
    ("oversight", "actions"): "oversight.Action",
    ("oversight", "explain-or-reform"): "oversight.DisparityReview",
    # oversight quality assurance (issue 20 item 1)
    ("oversight", "rules"): "oversight.SamplingRule",
    ("oversight", "draws"): "oversight.SampleDraw",
    ("oversight", "items"): "oversight.SampleItem",
    ("oversight", "reviews"): "oversight.QAReview",
    ("oversight", "disputes"): "oversight.QADispute",
    ("oversight", "learning"): "oversight.LearningItem",
    # oversight objectives and competence withdrawal (issue 20 item 2)
    ("oversight", "objectives"): "oversight.Objective",
    ("oversight", "competence"): "work.Competence",
    # oversight governance: risks, supplier issues, complaints, lessons (issue 20 item 6)
    ("oversight", "registers"): "oversight.RiskRegister",
    ("oversight", "risks"): "oversight.Risk",
    ("oversight", "issues"): "oversight.SupplierIssue",
    ("oversight", "complaints"): "oversight.Complaint",
    ("oversight", "lessons"): "oversight.Lesson",
    ("oversight", "training"): "oversight.TrainingCourse",
    ("tasks", ""): "work.Task",
    # nrm decisions (issue 19, helper B)
    ("nrm", "decisions"): "nrm.Decision",
    ("nrm", "checks"): "nrm.SpecialistCheck",
    ("nrm", "safeguarding"): "nrm.SafeguardingAdvice",
    ("nrm", "duty-line"): "nrm.DutyLineCall",
    ("nrm", "disqualifications"): "nrm.Disqualification",
    ("nrm", "reconsiderations"): "nrm.Reconsideration",
    ("nrm", "sampling"): "nrm.SampleRound",
    ("nrm", "ratings"): "nrm.QualityRating",
    ("nrm", "information"): "nrm.InformationRequest",
}
# Whose records a module's person pages show: someone the module holds.
PERSON_OF = {
    "monitoring": ("monitoring.Condition", "person_id"),
    "casework": ("casework.Case", "person_id"),
    "linkage": ("linkage.SourceRecord", "person_id"),
}
# A child's route also names its parent: (model, the parent's attribute).
CHILDREN = {
    "note_pk": ("people.Note", "person_id"),
    "flag_pk": ("people.Flag", "person_id"),
    "merge_pk": ("people.PersonMerge", "survivor_id"),
    "mitigation_pk": ("monitoring.Mitigation", "breach_id"),
    "seizure_pk": ("operations.Seizure", "visit_id"),
}


def _slugs(name: str, app: str) -> str | None:
    from waymark.casework import views as casework_views
    from waymark.monitoring import views as monitoring_views
    from waymark.operations import rules as operations_rules
    from waymark.operations import views as operations_views

    return {
        ("monitoring", "kind"): next(iter(monitoring_views.LISTS)),
        ("casework", "kind"): next(iter(casework_views.LISTS)),
        ("operations", "step"): next(iter(operations_views.STEPS)),
        ("operations", "entry_type"): next(iter(operations_rules.ENTRY_TYPES)),
        ("work", "slug"): _first("work.Queue", is_active=True).slug,
        ("work", "action"): "complete",
        ("nrm", "stage"): "rg",
        ("oversight", "key"): "operations.closures_overdue",  # a figure in the metric registry
        ("oversight", "kind_key"): "nrm.decision",  # a kind of work offered for review
        ("oversight", "module"): "operations",  # a module's dashboard of figures
    }.get((app, name))


def _url(route: str) -> str:
    """Fill a route's arguments from the demo data, children first (their parent follows)."""
    parts = route.split("/")
    app = parts[2] if route.startswith("api/") else parts[0]
    values: dict[str, str] = {}
    for match in _ARG.finditer(route):
        name = match.group("name")
        if name in CHILDREN:
            label, parent = CHILDREN[name]
            child = _first(label)
            values[name] = str(child.pk)
            values["pk"] = str(getattr(child, parent))
    for match in _ARG.finditer(route):
        name = match.group("name")
        if name in values:
            continue
        segment = route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        if name == "person":  # the API takes a Waymark reference
            values[name] = _first("people.Person").reference
        elif name == "person_pk" or (name == "pk" and segment == "people"):
            label, attribute = PERSON_OF.get(app, ("people.Person", "pk"))
            values[name] = str(getattr(_first(label), attribute))
        elif name == "pk":
            key = (app, segment) if (app, segment) in PK_MODELS else (app, "")
            values[name] = str(_first(PK_MODELS[key], **PK_FILTERS.get(route, {})).pk)
        else:
            slug = _slugs(name, app)
            assert slug is not None, f"{route}: no value for <{name}>"
            values[name] = slug
    return "/" + _ARG.sub(lambda m: values[m.group("name")], route)


@pytest.fixture
def reader(db):
    """Everyone's data, and a user who holds every permission and belongs to every team."""
    return reader_build()


def reader_build():
    """What ``reader`` gives (tests/test_page_content.py builds it once for its module)."""
    from waymark.demo.generator import demo_load

    demo_load(scale=0.01, anchor=ANCHOR)
    user = User.objects.create_superuser(
        username="coverage-reader", password="a-long-test-password-123"
    )
    user.teams.add(*Team.objects.all())
    user = User.objects.get(pk=user.pk)
    _records_the_demo_lacks(user)
    return user


def _records_the_demo_lacks(user) -> None:
    """A document, a merge, a mitigation, a prosecution referral, a commission, a partner's form
    and a visit the reader commands in the field, made the way production makes them."""
    from waymark.casework import services as casework_services
    from waymark.documents import services as documents_services
    from waymark.monitoring import services as monitoring_services
    from waymark.operations.models import NotificationForm, Visit, VisitOfficer
    from waymark.people import services as people_services

    person = _first("people.Person")
    documents_services.document_store(
        actor=None, person=person, file_name="note.txt", content=b"A note.\n"
    )
    survivor, merged = apps.get_model("people.Person").objects.order_by("-pk")[:2]
    people_services.person_merge(
        actor=user, survivor=survivor, merged=merged, reason="The same person"
    )
    breach = _first("monitoring.Breach")
    monitoring_services.mitigation_record(
        actor=user,
        breach=breach,
        given_by="person",
        explanation="The charger failed.",
        received_on=clock.today(),
    )
    monitoring_services.referral_open(actor=user, person=breach.person, breaches=[breach])
    case_person = apps.get_model("people.Person").objects.get(pk=_first("casework.Case").person_id)
    casework_services.commission_request(
        actor=user,
        person=case_person,
        kind="circumstances_update",
        instructions="Ask about the new address.",
    )
    _first("operations.NotificationForm").police_force.partners.add(user)
    visit = Visit.objects.filter(status="deployed").order_by("pk").first() or _first(
        "operations.Visit"
    )
    Visit.objects.filter(pk=visit.pk).update(officer_in_charge=user)
    VisitOfficer.objects.create(visit=visit, officer=user, role="Officer in charge")
    assert NotificationForm.objects.filter(police_force__partners=user).exists()
    _nrm_referral(user)


def _nrm_referral(user) -> None:
    """A modern-slavery referral, if the demo made none, through the referral service."""
    from waymark.nrm import services as nrm_services

    if apps.get_model("nrm.Referral").objects.exists():
        return
    Team.objects.get_or_create(
        slug="competent-authority", defaults={"name": "Competent authority (modern slavery)"}
    )
    nrm_services.referral_create(
        actor=None,
        person=_first("people.Person"),
        referrer_type="police",
        consent="consented",
        age_group="adult",
        detained=False,
        exploitation_types=["forced_labour"],
        control_methods=["threats"],
        answers={"account": "Worked without pay", "indicators": "No documents"},
    )


def _consulted_since(sequence: int) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            sequence__gt=sequence, action__in=[AuditAction.CONSULTATION, AuditAction.DISCLOSURE]
        )
    )


def _last() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


@pytest.mark.slow  # reads the demo data (demo_load)
def test_every_route_that_returns_personal_data_leaves_one_consultation_and_is_not_cached(
    reader, client
):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(reader)
    client.force_login(reader)
    wrong, exercised, declared, listed = [], [], [], []
    for route, callback in _routes():
        if carries_no_personal_data(callback):
            declared.append(route)
            continue
        url = _url(route)
        before = _last()
        response = (api if route.startswith("api/") else client).get(url)
        entries = _consulted_since(before)
        if route in NOT_READ_BY_GET:
            listed.append(route)
            expected, reason = NOT_READ_BY_GET[route]
            if response.status_code != expected or entries:
                wrong.append(
                    f"{url}: listed as {expected} ({reason}) but answered {response.status_code} "
                    f"with {len(entries)} entries"
                )
            continue
        if not 200 <= response.status_code < 300:
            wrong.append(
                f"{url}: answered {response.status_code}; exercise it or list it with a reason"
            )
            continue
        exercised.append(route)
        if len(entries) != 1:
            wrong.append(f"{url}: {len(entries)} consultation entries, expected 1")
        if "no-store" not in response.get("Cache-Control", ""):
            wrong.append(
                f"{url}: Cache-Control {response.get('Cache-Control')!r}, expected no-store"
            )
    assert wrong == [], "\n".join(wrong)
    assert len(exercised) + len(declared) + len(listed) == len(list(_routes()))
    api_routes = [
        len([r for r in kind if r.startswith("api/")]) for kind in (exercised, declared, listed)
    ]
    print(
        f"\naudit coverage: {len(exercised)} exercised, {len(declared)} declared without personal data, "
        f"{len(listed)} listed as not read by GET; of which API routes {api_routes}"
    )


def test_every_api_operation_in_the_schema_is_a_walked_route():
    """The API's routes are URL patterns too: the schema describes none that the walk misses."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    walked = {"/" + _ARG.sub("{}", route) for route, _ in _routes()}
    described = {re.sub(r"\{\w+\}", "{}", path) for path in schema["paths"]}
    assert described - walked == set()
    assert len(schema["paths"]) >= 10


def test_the_explicit_list_names_only_routes_that_exist():
    routes = {route for route, _ in _routes()}
    assert set(NOT_READ_BY_GET) - routes == set()
