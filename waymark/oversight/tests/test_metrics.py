"""The metric registry's pages (issue 20 item 3): who may open each; the registry shows every
figure with its definition, owner, as-of time and value; a reconciliation check is shown failing,
with both numbers and what each counts, until the two figures agree; the daily snapshot is taken
once a day and a figure can be read "as at" a past date; bad input changes nothing; the CSV and
XLSX exports are audited disclosures."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from markupsafe import escape

from waymark import testing
from waymark.accounts.models import Team
from waymark.accounts.roles import ROLES
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.core.jinja2 import page_text
from waymark.core.metrics import Metric, Reconciliation, metrics, registered_for_test
from waymark.core.models import AuditAction, AuditEvent
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import MetricSnapshot
from waymark.oversight.services.metrics import metrics_snapshot_sweep, metrics_snapshot_take
from waymark.work.sweeps import sweeps

pytestmark = pytest.mark.django_db

PAGES = {
    "metrics": (perms.VIEW_METRICS, reverse("oversight:metrics")),
    "reconciliation": (perms.VIEW_METRICS, reverse("oversight:metrics-reconciliation")),
    "as-at": (perms.VIEW_METRICS, reverse("oversight:metrics-as-at")),
    "figure": (perms.VIEW_METRICS, reverse("oversight:metric", args=["work.tasks_overdue"])),
    "export": (perms.EXPORT_METRICS, reverse("oversight:metrics-export")),
    "export-xlsx": (perms.EXPORT_METRICS, reverse("oversight:metrics-export") + "?format=xlsx"),
    "snapshots": (perms.EXPORT_METRICS, reverse("oversight:metrics-snapshots-export")),
    "snapshots-xlsx": (
        perms.EXPORT_METRICS,
        reverse("oversight:metrics-snapshots-export") + "?format=xlsx",
    ),
}


@pytest.fixture
def team(db) -> Team:
    roles_sync()
    return Team.objects.get_or_create(slug="performance", defaults={"name": "Performance"})[0]


@pytest.fixture
def analyst(team):
    return testing.user_make("performance_analyst", team, last_name="Analyst")


class Counter:
    """A figure whose value a test sets."""

    def __init__(self, value: float | None = 0) -> None:
        self.value = value

    def __call__(self, team=None) -> float | None:
        return self.value


def _metric(key: str, compute, **changes) -> Metric:
    fields = {
        "key": key,
        "name": f"Figure {key}",
        "definition": f"What {key} counts, in words.",
        "population": "Tasks in the work queues",
        "unit": "count",
        "higher_is_better": False,
        "owner": "Team leaders",
        "module": "work",
        "compute": compute,
    }
    return Metric(**{**fields, **changes})


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_every_page(role_key, team, client):
    user = testing.user_make(role_key, team)
    client.force_login(user)
    for name, (permission, url) in PAGES.items():
        response = client.get(url)
        expected = 200 if user.has_perm(permission) else 403
        assert response.status_code == expected, (role_key, name, response.status_code)


def test_the_roles_hold_what_the_brief_gives_them():
    def has(role, perm):
        return perm in ROLES[role].permissions

    for role in ("performance_analyst", "assurance"):
        assert has(role, perms.VIEW_METRICS) and has(role, perms.EXPORT_METRICS), role
    for role in ("line_manager", "service_delivery", "data_protection"):
        assert has(role, perms.VIEW_METRICS) and not has(role, perms.EXPORT_METRICS), role
    for role in ("field_officer", "case_owner", "em_caseworker", "supplier", "police_partner"):
        assert not has(role, perms.VIEW_METRICS), role


def test_the_rules_are_pinned():
    assert rules.METRIC_HISTORY_DAYS == 90
    assert rules.SNAPSHOT_EXPORT_MAX_DAYS == 366


def test_the_registry_shows_every_figure_with_its_definition_owner_and_value(analyst, client):
    client.force_login(analyst)
    page = client.get(reverse("oversight:metrics")).content.decode()
    for metric in metrics().values():
        assert str(escape(page_text(metric.name))) in page, metric.key
        assert str(escape(page_text(metric.definition))) in page, metric.key
        assert str(escape(metric.owner)) in page, metric.key
    assert f'id="metric-{"operations.closures_overdue".replace(".", "-")}"' in page


def test_the_registry_filters_by_area_and_team_and_refuses_an_unknown_one(analyst, team, client):
    client.force_login(analyst)
    page = client.get(reverse("oversight:metrics"), {"module": "work"}).content.decode()
    assert "Active tasks" in page and "Visits overdue for closure now" not in page
    response = client.get(reverse("oversight:metrics"), {"team": "no-such-team"})
    assert response.status_code == 400
    assert "Choose a team from the list" in response.content.decode()
    by_team = client.get(reverse("oversight:metrics"), {"team": team.slug}).content.decode()
    assert f"for {team.name}" in by_team


def test_a_check_is_shown_failing_with_both_numbers_until_the_figures_agree(analyst, client):
    left, right = Counter(3), Counter(5)
    check = Reconciliation(
        "work.test_pair", "Left against right", "work.test_left", "work.test_right", 0, "Why."
    )
    client.force_login(analyst)
    with registered_for_test(
        [
            _metric("work.test_left", left, name="Left figure"),
            _metric("work.test_right", right, name="Right figure"),
        ],
        [check],
    ):
        page = client.get(reverse("oversight:metrics-reconciliation")).content.decode()
        card = page.split('id="check-work-test_pair"')[1].split("</dl>")[0]
        assert 'data-passed="false"' in card and "govuk-tag--red" in card and "Failing" in card
        assert "<strong>3</strong>" in card and "<strong>5</strong>" in card
        assert "What work.test_left counts, in words." in card
        assert "What work.test_right counts, in words." in card
        registry = client.get(reverse("oversight:metrics")).content.decode()
        assert "failing" in registry.split('id="reconciliation-summary"')[1].split("</div>")[0]
        right.value = 3
        page = client.get(reverse("oversight:metrics-reconciliation")).content.decode()
        card = page.split('id="check-work-test_pair"')[1].split("</dl>")[0]
        assert 'data-passed="true"' in card and "govuk-tag--green" in card
        assert "Failing" not in card


def test_the_snapshot_is_taken_once_a_day_and_read_as_at_a_past_date(analyst, client):
    figure = Counter(7)
    with registered_for_test([_metric("work.test_snap", figure)]):
        assert "oversight.metrics_snapshot" in sweeps()
        day_one = date(2026, 11, 2)
        with clock.frozen(testing.NOW.replace(year=2026, month=11, day=2)):
            taken = metrics_snapshot_take(actor=None)
            assert taken["taken"] == len(metrics()) and taken["failed"] == 0
            figure.value = 8
            assert metrics_snapshot_sweep() == 0  # the day's snapshot is kept as it was
        snap = MetricSnapshot.objects.get(metric_key="work.test_snap", day=day_one)
        assert snap.value == 7 and snap.definition == "What work.test_snap counts, in words."
        with clock.frozen(testing.NOW.replace(year=2026, month=11, day=4)):
            assert metrics_snapshot_sweep() == len(metrics())
        entry = AuditEvent.objects.filter(verb="oversight.metrics_snapshot_taken").first()
        assert entry is not None and entry.action == AuditAction.COLLECTION

        client.force_login(analyst)
        # As at the 3rd: no snapshot that day, so the 2nd's, saying so.
        page = client.get(reverse("oversight:metrics-as-at"), {"on": "2026-11-03"})
        text = page.content.decode()
        row = text.split("Figure work.test_snap")[1].split("</tr>")[0]
        assert "2 November 2026" in row and ">7<" in row
        row = (
            client.get(reverse("oversight:metrics-as-at"), {"on": "2026-11-04"})
            .content.decode()
            .split("Figure work.test_snap")[1]
            .split("</tr>")[0]
        )
        assert ">8<" in row
        history = client.get(reverse("oversight:metric", args=["work.test_snap"])).content.decode()
        assert "2 November 2026" in history and "4 November 2026" in history


def test_a_failing_figure_does_not_stop_the_others_snapshot():
    def broken(team=None):
        raise RuntimeError("this figure's query is broken")

    with registered_for_test([_metric("work.test_broken", broken)]):
        taken = metrics_snapshot_take(actor=None)
    assert taken["failed"] == 1 and taken["taken"] == len(metrics())
    assert not MetricSnapshot.objects.filter(metric_key="work.test_broken").exists()
    assert MetricSnapshot.objects.filter(metric_key="work.tasks_overdue").exists()


def test_a_user_without_the_export_permission_cannot_take_a_snapshot(team):
    manager = testing.user_make("line_manager", team)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        metrics_snapshot_take(actor=manager)
    assert not MetricSnapshot.objects.exists()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"on": "31/11/2026"}, "Enter the date as YYYY-MM-DD"),
        ({"on": "2999-01-01"}, "The date must be today or in the past"),
    ],
)
def test_a_bad_as_at_date_is_refused_with_the_reason(analyst, client, query, message):
    client.force_login(analyst)
    response = client.get(reverse("oversight:metrics-as-at"), query)
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text and message in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-12-01", "end": "2026-11-01"}, "The end must be the same as or after"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "Export at most 366 days"),
        ({"start": "yesterday"}, "Enter the start as YYYY-MM-DD"),
    ],
)
def test_a_bad_snapshot_range_exports_nothing_and_says_why(analyst, client, query, message):
    client.force_login(analyst)
    before = AuditEvent.objects.filter(action=AuditAction.DISCLOSURE).count()
    response = client.get(reverse("oversight:metrics-snapshots-export"), query, follow=True)
    assert response.status_code == 200 and message in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.DISCLOSURE).count() == before


def test_the_exports_carry_each_figures_definition_and_are_audited(analyst, client):
    client.force_login(analyst)
    with clock.frozen(testing.NOW):
        metrics_snapshot_take(actor=None)
        response = client.get(reverse("oversight:metrics-export"))
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert rows[0][:3] == ["Key", "Figure", "Definition"]
        by_key = {row[0]: row for row in rows[1:]}
        assert set(by_key) == set(metrics())
        overdue = metrics()["operations.closures_overdue"]
        assert by_key[overdue.key][1:3] == [overdue.name, overdue.definition]
        xlsx = client.get(reverse("oversight:metrics-snapshots-export"), {"format": "xlsx"})
        assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
        cells = list(book.active.iter_rows(values_only=True))
        assert cells[0][:3] == ("Day", "Key", "Figure") and len(cells) == len(metrics()) + 1
    verbs = list(
        AuditEvent.objects.filter(action=AuditAction.DISCLOSURE).values_list("verb", flat=True)
    )
    assert verbs == ["oversight.metrics_exported", "oversight.metric_snapshots_exported"]


def test_an_unknown_figure_is_not_found(analyst, client):
    client.force_login(analyst)
    assert client.get(reverse("oversight:metric", args=["no.such_figure"])).status_code == 404


def test_the_figure_page_shows_its_history_as_a_chart(analyst, client):
    figure = Counter(1)
    with registered_for_test([_metric("work.test_chart", figure)]):
        for day in (1, 2, 3):
            figure.value = day
            with clock.frozen(testing.NOW.replace(day=day)):
                metrics_snapshot_take(actor=None)
        client.force_login(analyst)
        with clock.frozen(testing.NOW.replace(day=4)):
            page = client.get(reverse("oversight:metric", args=["work.test_chart"]))
        assert 'id="chart-metric-history-title"' in page.content.decode()
