"""Crafted values through every export route (issue 14 item 11).

``EXPORT_ROUTES`` names every URL that downloads a CSV or XLSX file, each with a way to put the
crafted values below into its file (through the records it exports, or, for aggregate figures,
into the figures the view is given). For each route the test downloads the file as a user who may,
and asserts that:

- every crafted value comes out neutralised (a leading quote), the header row included, and no
  cell at all starts a formula, except cells that are real numbers;
- the response is streamed, not cached, an attachment with a safe file name;
- exactly one disclosure entry is written, naming the user as recipient with a purpose, the row
  count, the query and the people (or ``None`` for aggregate figures), and no consultation entry.

``test_every_export_route_is_listed_here`` walks the URL map: a view marked ``@export_view`` (the
only views the export helper serves) whose route is not in ``EXPORT_ROUTES`` fails it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from waymark.accounts.models import Team, User
from waymark.accounts.roles import ROLES
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

CRAFTED = ['=HYPERLINK("http://x","y")', "@SUM(1+1)", "+1", "-1+2", "\t=1", "\r=1"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
REAL_NUMBER = re.compile(r"-?\d+(\.\d+)?(e[+-]?\d+)?")


# ------------------------------------------------------------------------------------------------
# How each export is given crafted values; each returns (the URL, the expected people or None).


def _linkage_new_criminality(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.linkage.models import (
        BulkCheck,
        BulkCheckMatch,
        BulkCheckStatus,
        BulkMatchStatus,
        SourceKind,
    )
    from waymark.linkage.tests import bulk_fixtures as fx
    from waymark.people.models import Person

    team = fx.team_make("Criminal casework Croydon")
    person = fx.person_make("Bola", "Okafor", date(1985, 3, 2), team=team)
    Person.objects.filter(pk=person.pk).update(given_names=CRAFTED[0], family_name="")
    police = fx.job_make(SourceKind.POLICE, label="PNC extract")
    record = fx.police_record_make(police, "2015/0099887B", "Bola", "OKAFOR", "1985-03-02")
    record.pnc_id = CRAFTED[1]
    record.extra = {
        **record.extra,
        "most_serious_offence": CRAFTED[2],
        "force": CRAFTED[3],
        "last_conviction_date": CRAFTED[4],
        "offence_count": "3",
    }
    record.save()
    check = BulkCheck.objects.create(
        name=CRAFTED[5],
        population="all_linked",
        police_import=police,
        status=BulkCheckStatus.COMPLETED,
        created_at=clock.now(),
    )
    BulkCheckMatch.objects.create(
        check_run=check,
        person=person,
        police_record=record,
        match_probability=0.95,
        match_weight=-1.5,
        status=BulkMatchStatus.CONFIRMED,
        previously_known=False,
        decided_at=clock.now(),
    )
    return reverse("linkage:bulk-new-criminality") + f"?format=csv&check={check.pk}", [person.pk]


def _linkage_import_report(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.linkage.models import ImportRejection
    from waymark.linkage.tests import bulk_fixtures as fx

    job = fx.job_make()
    job.headers = [CRAFTED[0], CRAFTED[1], "NAME"]
    job.save(update_fields=["headers"])
    ImportRejection.objects.create(
        job=job,
        row_number=2,
        reasons=[{"detail": CRAFTED[2]}],
        values={CRAFTED[0]: CRAFTED[3], CRAFTED[1]: CRAFTED[4], "NAME": CRAFTED[5]},
    )
    ImportRejection.objects.create(
        job=job,
        row_number=3,
        reasons=[{"detail": "Date of birth missing"}],
        values={CRAFTED[0]: "-1", CRAFTED[1]: "x", "NAME": "SMITH"},
    )
    return reverse("linkage:import-report", args=[job.pk]), None


def _monitoring_figures(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.monitoring import selectors

    real = selectors.mi_figures_summary  # the export reads the figures' summary rows

    def crafted(period):
        figures = real(period)
        # A section name comes out as the first cell, a value as the last.
        figures[CRAFTED[0]] = {"label": CRAFTED[1], "more": CRAFTED[2]}
        figures["crafted"] = [CRAFTED[3], CRAFTED[4], CRAFTED[5], -1]
        return figures

    monkeypatch.setattr(selectors, "mi_figures_summary", crafted)
    return reverse("monitoring:mi-csv"), None


def _casework_figures(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.casework import selectors

    real = selectors.mi_figures_summary  # the export reads the figures' summary rows

    def crafted(**kwargs):
        figures = real(**kwargs)
        figures["figure_8"] = [
            *figures["figure_8"],
            ("x", CRAFTED[1], CRAFTED[2]),
            ("y", CRAFTED[3], -1),
        ]
        figures["gatekeeping"]["by_reason"] = [
            *figures["gatekeeping"]["by_reason"],
            (CRAFTED[4], CRAFTED[5]),
        ]
        return figures

    monkeypatch.setattr(selectors, "mi_figures_summary", crafted)
    # The definitions come from the metric registry (core.metrics): one of them crafted.
    from dataclasses import replace

    from waymark.core import metrics

    key = "casework.reporting_population"
    monkeypatch.setitem(metrics._METRICS, key, replace(metrics.metric(key), definition=CRAFTED[0]))
    return reverse("casework:mi-csv"), None


def _operations_measures(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.operations import selectors as measures

    real = measures.measures_summary  # the export reads the measures' summary rows

    def crafted(period, team=None, **kwargs):
        figures = real(period, team, **kwargs)
        figures["by_team"] = [
            *figures["by_team"],
            {"team": CRAFTED[0], "n": -1},
            *({"team": value, "n": 1} for value in CRAFTED[1:]),
        ]
        return figures

    monkeypatch.setattr(measures, "measures_summary", crafted)
    return reverse("operations:measures-csv"), None


def _work_queue(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.people import services as people_services
    from waymark.work.tests.factories import queue_make, task_make, team_make

    team = team_make(name="Export team")
    queue = queue_make(team=team, slug="export-queue")
    person = people_services.person_create(
        actor=None,
        given_names="Ada",
        family_name="Okoro",
        date_of_birth=date(1980, 1, 2),
        owning_team=team,
    )
    from waymark.work.models import Task

    for value in CRAFTED:  # stored as given (the task service would strip the tab and return)
        Task.objects.filter(pk=task_make(queue=queue, person=person).pk).update(title=value)
    return reverse("work:queue-export", args=[queue.slug]), [person.pk]


def _work_my_work(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.people import services as people_services
    from waymark.work import selectors
    from waymark.work.models import Task
    from waymark.work.tests.factories import queue_make, task_make, team_make

    team = team_make(name="My work team")
    queue = queue_make(team=team, slug="my-work-queue")
    person = people_services.person_create(
        actor=None,
        given_names="Ada",
        family_name="Okoro",
        date_of_birth=date(1980, 1, 2),
        owning_team=team,
    )
    for value in CRAFTED:  # stored as given (the task service would strip the tab and return)
        Task.objects.filter(pk=task_make(queue=queue, person=person).pk).update(title=value)
    real = selectors.my_work

    def given_to_the_downloader(user):  # My work is the tasks assigned to whoever downloads it
        Task.objects.filter(queue=queue).update(assignee=user)
        return real(user)

    monkeypatch.setattr(selectors, "my_work", given_to_the_downloader)
    return reverse("work:my-work-export"), [person.pk]


def _person_access_history(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.core.audit import audit_record
    from waymark.people import services as people_services

    team = Team.objects.create(slug="sar-team", name="SAR team")
    person = people_services.person_create(
        actor=None,
        given_names="Ada",
        family_name="Okoro",
        date_of_birth=date(1980, 1, 2),
        owning_team=team,
    )
    for value in CRAFTED:  # purposes and recipients are typed by people: crafted here
        audit_record(
            actor=None,
            action=AuditAction.DISCLOSURE,
            verb="person.access_history_exported",
            target=person,
            person_id=person.pk,
            recipient=value,
            purpose=value,
        )
    return reverse("people:access-history-export", args=[person.pk]), [person.pk]


def _casework_removals(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.casework import rules as casework_rules
    from waymark.casework.models import RemovalDirection
    from waymark.people import services as people_services

    team = Team.objects.create(slug="removals-team", name="Removals team")
    person = people_services.person_create(
        actor=None,
        given_names="Ada",
        family_name="Okoro",
        date_of_birth=date(1980, 1, 2),
        owning_team=team,
    )
    route = casework_rules.REMOVAL_ROUTES[0][0]
    for n, value in enumerate(CRAFTED):  # flight numbers are typed by people: crafted here
        RemovalDirection.objects.create(
            person=person,
            route=route,
            planned_for=date(2026, 12, 10 + n),
            flight=value,
            set_at=clock.now(),
        )
    return reverse("casework:removals-export"), [person.pk]


def _people_search(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.people import services as people_services

    people = []
    for n, value in enumerate(CRAFTED):  # team names are typed by people: crafted here
        team = Team.objects.create(slug=f"search-team-{n}", name=value)
        person = people_services.person_create(
            actor=None,
            given_names="Ada",
            family_name="Okoro",
            date_of_birth=date(1980, 1, 2),
            owning_team=team,
        )
        people.append(person.pk)
    return reverse("people:search-export") + "?name=Okoro", sorted(people)


def _oversight_tracker(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.oversight.models import Action, Recommendation

    owner = User.objects.create_user(username="action-owner", password="a-long-test-password-123")
    rec = Recommendation.objects.create(
        seed="001", source_title="A report", number="1", order=1, text="Keep one account"
    )
    for value in CRAFTED:  # action descriptions are typed by people: crafted here
        Action.objects.create(
            recommendation=rec,
            description=value,
            owner=owner,
            due_on=date(2027, 1, 31),
            original_due_on=date(2027, 1, 31),
            created_at=clock.now(),
        )
    return reverse("oversight:tracker-export"), None


def _oversight_register(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.oversight.models import Risk, RiskRegister, SupplierIssue

    owner = User.objects.create_user(username="risk-owner", password="a-long-test-password-123")
    register = RiskRegister.objects.create(
        name="Crafted register", kind="joint", owner=owner, created_at=clock.now()
    )
    for n, value in enumerate(CRAFTED, 1):  # a risk's words are typed by people: crafted here
        Risk.objects.create(
            register=register,
            number=n,
            title=value,
            cause=value,
            effect="An effect",
            owner=owner,
            likelihood=3,
            impact=3,
            target_likelihood=1,
            target_impact=1,
            next_review_on=date(2027, 1, 31),
            created_at=clock.now(),
        )
    SupplierIssue.objects.create(
        register=register,
        number=1,
        title=CRAFTED[0],
        description=CRAFTED[1],
        raised_on=date(2026, 11, 2),
        owner=owner,
        status_changed_on=date(2026, 11, 2),
    )
    return reverse("oversight:risk-register-export", args=[register.pk]), None


def _oversight_objectives(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.oversight.models import Objective, ServicePriority

    owner = User.objects.create_user(
        username="objective-owner", password="a-long-test-password-123"
    )
    team = Team.objects.create(slug="crafted-objectives", name="Objectives team")
    from waymark.oversight.services.objectives import priorities_seed

    priorities_seed()  # the migration's rows, unless a transactional test flushed them
    priority = ServicePriority.objects.first()
    for value in CRAFTED:  # an objective, its measure and its closing note are typed by people
        Objective.objects.create(
            priority=priority,
            title=value,
            team=team,
            owner=owner,
            period_start=date(2026, 4, 1),
            period_end=date(2027, 3, 31),
            measure_label=value,
            target=95,
            closing_note=value,
            created_at=clock.now(),
            created_by=owner,
        )
    return reverse("oversight:objectives-export"), None


def _oversight_training(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.oversight.models import TrainingCourse, TrainingRecord, TrainingSession

    author = User.objects.create_user(username="course-author", password="a-long-test-password-123")
    learner = User.objects.create_user(
        username="course-learner", password="a-long-test-password-123"
    )
    for value in CRAFTED:  # a course's title and a session's place are typed by people
        course = TrainingCourse.objects.create(
            topic="recording",
            title=value,
            status="approved",
            created_by=author,
            created_at=clock.now(),
        )
        session = TrainingSession.objects.create(
            course=course,
            trainer=author,
            delivered_on=date(2026, 11, 2),
            place=value,
            recorded_by=author,
            recorded_at=clock.now(),
        )
        TrainingRecord.objects.create(session=session, person=learner)
    return reverse("oversight:training-records-export"), None


def _oversight_complaints(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.oversight.models import Complaint

    for n, value in enumerate(CRAFTED):  # a complaint's summary is typed by people
        Complaint.objects.create(
            reference=f"CMP-CRAFT-{n}",
            channel="letter",
            received_on=date(2026, 11, 2),
            complainant=value,
            summary=value,
            due_on=date(2026, 11, 30),
            recorded_at=clock.now(),
        )
    return reverse("oversight:complaints-export"), []


def _oversight_complaint_themes(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.oversight.models import ComplaintTheme
    from waymark.oversight.selectors import governance

    real = governance.complaint_themes_analysis

    def crafted(*args, **kwargs):  # theme labels are the code's; crafted into the figures here
        analysis = real(*args, **kwargs)
        analysis.themes = [(value, value) for value in CRAFTED]
        for value in CRAFTED:
            analysis.counts[value] = dict.fromkeys(analysis.months, 1)
            analysis.totals[value] = len(analysis.months)
        return analysis

    monkeypatch.setattr(governance, "complaint_themes_analysis", crafted)
    assert ComplaintTheme.values  # the real themes exist; the crafted ones stand in for them
    return reverse("oversight:complaint-themes-export"), None


def _oversight_fairness(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.core import fairness
    from waymark.core.fairness import DecisionPoint, DecisionRow

    today = clock.today()
    # Group names come from records people type (a premises' sector): crafted here, 11 each so
    # that none is folded away as a small group.
    rows = [
        DecisionRow(None, None, i % 2 == 0, today, value) for value in CRAFTED for i in range(11)
    ]
    point = DecisionPoint(
        "exporttest.point",
        "Crafted",
        "exporttest",
        "Outcome",
        lambda s, e: rows,
        carries=("sector",),
    )
    monkeypatch.setitem(fairness._POINTS, point.key, point)
    return reverse("oversight:fairness-export") + f"?point={point.key}&dimension=sector", None


def _nrm_figures(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.nrm.selectors import figures as fig

    real = fig.all_figures

    def crafted(start, end):
        rows = real(start, end)
        first = next(iter(rows))
        rows[first] = [*rows[first], *([value, 1] for value in CRAFTED)]
        return rows

    monkeypatch.setattr(fig, "all_figures", crafted)
    return reverse("nrm:figures-export") + "?quarter=2026-Q3", None


def _oversight_metrics(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.core import metrics

    for n, value in enumerate(CRAFTED):  # a figure's name and definition are typed by people
        key = f"work.crafted_{n}"
        monkeypatch.setitem(
            metrics._METRICS,
            key,
            metrics.Metric(
                key=key,
                name=value,
                definition=value,
                population="Crafted",
                unit="count",
                higher_is_better=None,
                owner="Crafted",
                module="work",
                compute=lambda team=None: -1,
            ),
        )
    return reverse("oversight:metrics-export"), None


def _oversight_metric_snapshots(monkeypatch) -> tuple[str, list[int] | None]:
    from waymark.oversight.models import MetricSnapshot

    for n, value in enumerate(CRAFTED):
        MetricSnapshot.objects.create(
            metric_key=f"work.crafted_{n}",
            day=clock.today(),
            value=-1,
            name=value,
            definition=value,
            unit="count",
            module="work",
            as_of=clock.now(),
            taken_at=clock.now(),
        )
    return reverse("oversight:metrics-snapshots-export"), None


def _oversight_dashboard(monkeypatch) -> tuple[str, list[int] | None]:
    _oversight_metrics(monkeypatch)  # crafted names and definitions among work's figures
    return reverse("oversight:dashboard-export", args=["work"]), None


EXPORT_ROUTES: dict[str, Callable] = {
    "oversight:metrics-export": _oversight_metrics,
    "oversight:dashboard-export": _oversight_dashboard,
    "oversight:metrics-snapshots-export": _oversight_metric_snapshots,
    "nrm:figures-export": _nrm_figures,
    "oversight:tracker-export": _oversight_tracker,
    "oversight:risk-register-export": _oversight_register,
    "oversight:complaints-export": _oversight_complaints,
    "oversight:objectives-export": _oversight_objectives,
    "oversight:training-records-export": _oversight_training,
    "oversight:complaint-themes-export": _oversight_complaint_themes,
    "oversight:fairness-export": _oversight_fairness,
    "linkage:bulk-new-criminality": _linkage_new_criminality,
    "linkage:import-report": _linkage_import_report,
    "monitoring:mi-csv": _monitoring_figures,
    "casework:mi-csv": _casework_figures,
    "operations:measures-csv": _operations_measures,
    "work:queue-export": _work_queue,
    "work:my-work-export": _work_my_work,
    "people:access-history-export": _person_access_history,
    "casework:removals-export": _casework_removals,
    "people:search-export": _people_search,
}


# ------------------------------------------------------------------------------------------------


def _walk(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", pattern.callback


def _user_for(route: str) -> User:
    """A user whose role holds every permission the export view declares."""
    callback = dict(_walk(get_resolver().url_patterns))[route]
    declared = set(callback.waymark_permissions)
    role = next(
        key for key, r in ROLES.items() if declared <= r.permissions and key not in ("supplier",)
    )
    roles_sync()
    user = User.objects.create_user(
        username=f"exporter-{role}",
        password="a-long-test-password-123",
        grade=ROLES[role].demo_grade,
    )
    user.groups.add(Group.objects.get(name=role))
    user.teams.add(*Team.objects.all())  # team-scoped exports (a queue) are the user's own
    return User.objects.get(pk=user.pk)


def test_every_export_route_is_listed_here():
    marked = {
        name
        for name, callback in _walk(get_resolver().url_patterns)
        if getattr(callback, "waymark_export", False)
    }
    assert marked == set(EXPORT_ROUTES)


@pytest.mark.parametrize("route", sorted(EXPORT_ROUTES))
def test_crafted_values_come_out_inert_and_each_export_is_one_disclosure(
    client, monkeypatch, route
):
    url, people = EXPORT_ROUTES[route](monkeypatch)
    user = _user_for(route)
    client.force_login(user)
    before = (
        AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    )

    response = client.get(url)

    assert response.status_code == 200, route
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    active = [c for c in cells if c.startswith(FORMULA_START) and not REAL_NUMBER.fullmatch(c)]
    assert active == [], route
    for value in CRAFTED:
        assert "'" + value in cells, (route, value)
    assert response.streaming, "exports are streamed"
    assert "no-store" in response["Cache-Control"]
    assert re.fullmatch(
        r'attachment; filename="[A-Za-z0-9._-]+\.(csv|xlsx)"', response["Content-Disposition"]
    )
    new = AuditEvent.objects.filter(sequence__gt=before)
    disclosures = list(new.filter(action=AuditAction.DISCLOSURE))
    assert len(disclosures) == 1, route
    # The export is the exporter's disclosure, never also a consultation; the only other reads are
    # the system's, when the export found a read model stale and rebuilt it (the fairness figures'
    # rebuild reads protected characteristics as the system, each read its own entry).
    consulted = new.filter(action=AuditAction.CONSULTATION)
    assert not consulted.filter(actor__isnull=False).exists(), route
    assert all("read model" in e.purpose for e in consulted), route
    entry = disclosures[0]
    assert entry.actor_id == user.pk and entry.recipient == user.get_username() and entry.purpose
    assert entry.payload["rows"] == len(rows) - 1  # the header is not a row of data
    assert "query" in entry.payload
    assert entry.payload["people"] == people
