"""The dashboards per module (issue 20 item 3): who may open each; the period and team filters change
the numbers (with data: NRM referrals received in different months by two teams); a figure that
cannot be split by team says so; bad filter input is refused with the GOV.UK error summary and
nothing shown; a dashboard figure equals the module's own figures page for the same period; the
trend says whether it was counted from the records or read from the daily snapshots; snapshots
are taken per team and read "as at" a past date per team; the exports are audited disclosures."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from waymark import testing
from waymark.accounts.models import Team, User
from waymark.accounts.roles import ROLES
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.core.metrics import Metric, metric, registered_for_test
from waymark.core.models import AuditAction, AuditEvent
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import MetricSnapshot
from waymark.oversight.selectors import dashboards as selectors
from waymark.oversight.services.metrics import metrics_snapshot_take

pytestmark = pytest.mark.django_db

NOW = testing.NOW  # Wednesday 18 November 2026
AT = datetime(2026, 1, 1, 10, 0, tzinfo=clock.LONDON)
MODULES = ("monitoring", "casework", "operations", "nrm", "work")


@pytest.fixture
def frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def team(db) -> Team:
    roles_sync()
    return Team.objects.get_or_create(slug="performance", defaults={"name": "Performance"})[0]


@pytest.fixture
def analyst(team):
    return testing.user_make("performance_analyst", team, last_name="Analyst")


@pytest.fixture
def authorities(db) -> tuple[Team, Team]:
    return (
        Team.objects.create(slug="ca-north", name="Competent authority North"),
        Team.objects.create(slug="ca-south", name="Competent authority South"),
    )


@pytest.fixture
def referrals(authorities, frozen):
    """North: 3 received this month (November), 2 last month (October); South: 12 in the last
    full quarter (August). Two of North's are stuck."""
    from waymark.nrm import models as m
    from waymark.nrm import rules as nrm_rules
    from waymark.nrm.tests.quality_factories import referral_make
    from waymark.people import services as people_services

    north, south = authorities
    person = people_services.person_create(
        actor=None,
        given_names="Amira",
        family_name="Haddad",
        date_of_birth=date(1994, 3, 2),
        nationalities=("SYR",),
        owning_team=north,
    )
    form = m.ReferralFormVersion.objects.get_or_create(
        version=1,
        defaults={
            "effective_from": date(2024, 1, 1),
            "questions": nrm_rules.REFERRAL_FORM_V1,
            "created_at": NOW,
        },
    )[0]
    for day, team, n in (
        (datetime(2026, 11, 5, 10, tzinfo=clock.LONDON), north, 3),
        (datetime(2026, 10, 10, 10, tzinfo=clock.LONDON), north, 2),
        (datetime(2026, 8, 10, 10, tzinfo=clock.LONDON), south, 12),
    ):
        for i in range(n):
            referral_make(person, form, received_at=day + timedelta(hours=i), owning_team=team)
    return north, south


def _value(page: str, key: str) -> str:
    """The value a dashboard row carries (data-value) for a figure."""
    match = re.search(rf'id="figure-{key.replace(".", "-")}" data-value="([^"]*)"', page)
    assert match, key
    return match.group(1)


def _get(client, module: str, **query):
    return client.get(reverse("oversight:dashboard", args=[module]), query)


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_every_dashboard(role_key, team, client, frozen):
    user = testing.user_make(role_key, team)
    client.force_login(user)
    pages = {"index": (perms.VIEW_METRICS, reverse("oversight:dashboards"))}
    for module in MODULES:
        pages[module] = (perms.VIEW_METRICS, reverse("oversight:dashboard", args=[module]))
        pages[f"{module}-export"] = (
            perms.EXPORT_METRICS,
            reverse("oversight:dashboard-export", args=[module]),
        )
    for name, (permission, url) in pages.items():
        response = client.get(url)
        expected = 200 if user.has_perm(permission) else 403
        assert response.status_code == expected, (role_key, name, response.status_code)


def test_a_dashboard_shows_each_figure_from_the_registry_with_its_definition(analyst, client):
    client.force_login(analyst)
    with clock.frozen(NOW):
        page = _get(client, "nrm").content.decode()
    for key in (
        "nrm.referrals_open",
        "nrm.referrals_stuck",
        "nrm.referrals_received",
        "nrm.decisions_served",
    ):
        m = metric(key)
        assert m.name in page and m.definition in page and m.owner in page, key
        assert reverse("oversight:metric", args=[key]) in page, key
    assert "Higher is better" in page or "Neither" in page
    index = client.get(reverse("oversight:dashboards")).content.decode()
    for module in MODULES:
        assert reverse("oversight:dashboard", args=[module]) in index, module
    registry = client.get(reverse("oversight:metrics")).content.decode()
    assert reverse("oversight:dashboards") in registry


def test_an_unknown_dashboard_is_not_found(analyst, client):
    client.force_login(analyst)
    assert _get(client, "no-such-module").status_code == 404


def test_the_period_filter_changes_the_numbers(analyst, client, referrals):
    client.force_login(analyst)
    received = "nrm.referrals_received"
    expected = {"this_month": "3", "last_month": "2", "quarter": "12", "12_months": "17"}
    for period, value in expected.items():
        page = _get(client, "nrm", period=period).content.decode()
        assert _value(page, received) == value, period
    page = _get(client, "nrm", period="custom", start="2026-10-01", end="2026-11-18")
    assert _value(page.content.decode(), received) == "5"
    # Open referrals cannot be counted over a period: counted now while the period runs to
    # today, and the page says so; for a period that is over, read from the daily snapshot at
    # its end (none taken here, and the page says that).
    text = _get(client, "nrm", period="this_month").content.decode()
    assert _value(text, "nrm.referrals_open") == "17"
    assert "Counted now: this figure cannot be counted over a period" in text
    text = _get(client, "nrm", period="last_month").content.decode()
    assert _value(text, "nrm.referrals_open") == ""
    assert "No daily snapshot by the end of the period" in text


def test_the_team_filter_changes_the_numbers_and_a_figure_that_cannot_be_split_says_so(
    analyst, client, referrals
):
    north, south = referrals
    client.force_login(analyst)
    north_page = _get(client, "nrm", team=north.slug).content.decode()
    south_page = _get(client, "nrm", team=south.slug).content.decode()
    assert _value(north_page, "nrm.referrals_received") == "5"
    assert _value(south_page, "nrm.referrals_received") == "12"
    assert f"for <strong>{north.name}</strong>" in north_page
    monitoring = _get(client, "monitoring", team=north.slug).content.decode()
    row = monitoring.split('id="figure-monitoring-breach_tasks_open"')[1].split("</tr>")[0]
    assert "Not split by team" in row and "cannot be counted for one team" in row
    assert "For all teams: 0" in row
    assert "No trend for Competent authority North" in monitoring


def test_only_the_teams_the_user_may_see_are_offered(authorities, client, frozen):
    north, _south = authorities
    own = Team.objects.create(slug="information-rights", name="Information rights")
    officer = testing.user_make("data_protection", own)  # sees only their own team's queues
    client.force_login(officer)
    page = _get(client, "nrm").content.decode()
    assert f'value="{own.slug}"' in page and f'value="{north.slug}"' not in page
    refused = _get(client, "nrm", team=north.slug)
    assert refused.status_code == 400
    assert "govuk-error-summary" in refused.content.decode()
    assert "Choose a team from the list" in refused.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "custom"}, "Enter the from date"),
        ({"period": "custom", "start": "2026-11-01"}, "Enter the to date"),
        ({"period": "custom", "start": "01/11/2026", "end": "2026-11-10"}, "YYYY-MM-DD"),
        (
            {"period": "custom", "start": "2026-11-10", "end": "2026-11-01"},
            "The to date must be the same as or after the from date",
        ),
        ({"period": "custom", "start": "2026-11-01", "end": "2999-01-01"}, "today or in the past"),
        ({"period": "custom", "start": "2020-01-01", "end": "2026-11-01"}, "at most 731 days"),
        ({"period": "fortnight"}, "Choose a period from the list"),
        ({"team": "no-such-team"}, "Choose a team from the list"),
    ],
)
def test_bad_filter_input_is_refused_with_the_error_summary(
    analyst, client, frozen, query, message
):
    client.force_login(analyst)
    response = _get(client, "operations", **query)
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text and message in text
    assert 'id="dashboard-figures"' not in text  # no figures for a period not asked for
    before = AuditEvent.objects.filter(action=AuditAction.DISCLOSURE).count()
    export = client.get(reverse("oversight:dashboard-export", args=["operations"]), query)
    assert export.status_code == 302 and not export.has_header("Content-Disposition")
    assert AuditEvent.objects.filter(action=AuditAction.DISCLOSURE).count() == before


def test_a_dashboard_figure_equals_the_modules_own_figures_page(analyst, client, referrals):
    """The NRM figures page's quarter and the dashboard's "last full quarter" are the same days:
    the registry's received and served counts equal the page's headline and its tables' totals."""
    from waymark.nrm.selectors import figures as fig

    start, end, label = fig.quarter_bounds(None)
    quarter = selectors.period_for("quarter")
    assert (quarter.start, quarter.end) == (start, end)
    client.force_login(analyst)
    page = _get(client, "nrm", period="quarter").content.decode()
    table = fig.by_competent_authority(start, end)
    assert int(_value(page, "nrm.referrals_received")) == sum(row[1] for row in table) == 12
    served_total = sum(sum(row[2:6]) for row in table)
    assert int(_value(page, "nrm.decisions_served")) == served_total
    admin = User.objects.create_superuser(username="nrm-admin", password="a-long-password-123")
    client.force_login(admin)
    nrm_page = client.get(reverse("nrm:figures"), {"quarter": label}).content.decode()
    headline = nrm_page.split('id="headline-nrm-referrals_received"')[1].split("</div>")[0]
    assert metric("nrm.referrals_received").name in headline
    assert re.search(r">12 <span", headline), headline
    assert metric("nrm.referrals_received").definition in nrm_page


def test_operations_dashboard_equals_the_measures_page_for_the_same_period(analyst, client, frozen):
    """The measures page and the dashboard ask the same registered measure for the same days."""
    from waymark.operations import selectors as ops

    client.force_login(analyst)
    page = _get(client, "operations", period="custom", start="2026-06-01", end="2026-11-18")
    period = ops.Period(date(2026, 6, 1), date(2026, 11, 18))
    figures = ops.measures_summary(period, None)
    assert _value(page.content.decode(), "operations.visits") == str(
        ops.measure_value_summary("visits", figures)
    )


def test_the_trend_says_where_it_comes_from(analyst, client, referrals):
    north, _south = referrals
    client.force_login(analyst)
    page = _get(client, "nrm").content.decode()
    received = page.split('id="trend-nrm-referrals_received"')[1].split("</section>")[0]
    assert 'data-trend-source="records"' in received
    assert 'id="chart-nrm-referrals-received-title"' in received  # the SVG chart
    assert "November 2026" in received and "December 2025" in received  # 12 months
    open_now = page.split('id="trend-nrm-referrals_open"')[1].split("</section>")[0]
    assert 'data-trend-source="snapshots"' in open_now and "No snapshot" in open_now
    rows = selectors.dashboard_rows("nrm", selectors.period_for("12_months"), north)
    by_key = {r.metric.key: r for r in rows}
    trend = dict(by_key["nrm.referrals_received"].trend)
    assert trend[date(2026, 11, 1)] == 3 and trend[date(2026, 10, 1)] == 2
    assert trend[date(2026, 8, 1)] == 0  # South's month, not North's


def test_snapshots_are_taken_per_team_and_read_as_at_a_past_date(analyst, client, referrals):
    north, south = referrals
    analyst.teams.add(north)
    with clock.frozen(NOW - timedelta(days=2)):
        taken = metrics_snapshot_take(actor=None)
    assert taken["team_values"] > 0
    rows = MetricSnapshot.objects.filter(metric_key="nrm.referrals_open", day=date(2026, 11, 16))
    assert {(r.team_id, r.value) for r in rows} >= {(None, 17), (north.pk, 5), (south.pk, 12)}
    # A figure that cannot be split by team has no team rows.
    assert not MetricSnapshot.objects.filter(
        metric_key="monitoring.breach_tasks_open", team__isnull=False
    ).exists()
    client.force_login(analyst)
    with clock.frozen(NOW):
        page = client.get(
            reverse("oversight:metrics-as-at"), {"on": "2026-11-17", "team": north.slug}
        ).content.decode()
        row = page.split(metric("nrm.referrals_open").name)[1].split("</tr>")[0]
        assert "16 November 2026" in row and ">5<" in row
        row = page.split(metric("monitoring.breach_tasks_open").name)[1].split("</tr>")[0]
        assert "Not split by team" in row
        everyone = client.get(
            reverse("oversight:metrics-as-at"), {"on": "2026-11-17"}
        ).content.decode()
        assert ">17<" in everyone.split(metric("nrm.referrals_open").name)[1].split("</tr>")[0]
        # A past period on the dashboard reads the team's snapshot for a figure counted now.
        dashboard = _get(
            client,
            "nrm",
            period="custom",
            start="2026-11-01",
            end="2026-11-16",
            team=north.slug,
        ).content.decode()
    assert _value(dashboard, "nrm.referrals_open") == "5.0"
    assert "From its daily snapshot" in dashboard and "taken 16 November 2026" in dashboard


def test_the_snapshot_is_once_a_day_per_team(referrals):
    north, _south = referrals
    with clock.frozen(NOW):
        metrics_snapshot_take(actor=None)
        again = metrics_snapshot_take(actor=None)
    assert again["taken"] == 0 and again["team_values"] == 0
    assert (
        MetricSnapshot.objects.filter(
            metric_key="nrm.referrals_open", team=north, day=NOW.date()
        ).count()
        == 1
    )


def test_the_exports_are_audited_and_carry_each_definition(analyst, client, referrals):
    north, _south = referrals
    client.force_login(analyst)
    url = reverse("oversight:dashboard-export", args=["nrm"])
    response = client.get(url, {"period": "quarter", "team": north.slug})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Key", "Figure", "Definition"]
    received = [r for r in rows[1:] if r[0] == "nrm.referrals_received"]
    assert received[0][2] == metric("nrm.referrals_received").definition
    assert received[0][6:10] == ["2026-07-01", "2026-09-30", north.name, "0"]
    assert len(received) == 1 + rules.DASHBOARD_TREND_MONTHS  # the figure, then each month
    xlsx = client.get(url, {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    entries = AuditEvent.objects.filter(action=AuditAction.DISCLOSURE).order_by("sequence")
    assert [e.verb for e in entries] == ["oversight.dashboard_exported"] * 2
    assert entries[0].payload["query"]["team"] == north.slug


def test_a_registered_figure_may_declare_period_and_team_support():
    """The registry's API, extended compatibly: a figure that declares neither is called as before
    and gives None when asked for a team or a period it cannot be split by."""
    calls = []

    def old_style(team=None):
        calls.append(team)
        return 4

    def new_style(team=None, start=None, end=None):
        return (team, start, end)

    base = {
        "name": "A figure",
        "definition": "What it counts.",
        "population": "Tasks",
        "unit": "count",
        "higher_is_better": None,
        "owner": "Team leaders",
        "module": "work",
    }
    old = Metric(key="work.test_old", compute=old_style, **base)
    new = Metric(
        key="work.test_new",
        compute=new_style,
        by_team=True,
        by_period=True,
        **{**base, "name": "B"},
    )
    with registered_for_test([old, new]):
        assert old.value() == 4 and calls == [None]
        assert old.value("a team") is None
        assert old.value(start=date(2026, 1, 1), end=date(2026, 1, 31)) is None
        assert new.value("t", start=date(2026, 1, 1), end=date(2026, 1, 31)) == (
            "t",
            date(2026, 1, 1),
            date(2026, 1, 31),
        )
        assert new.value() == (None, None, None)
        with pytest.raises(ValueError, match="both"):
            new.value(start=date(2026, 1, 1))


def test_the_rules_are_pinned():
    assert rules.DASHBOARD_MAX_DAYS == 731
    assert rules.DASHBOARD_TREND_MONTHS == 12
    assert [key for key, _label in selectors.PERIOD_CHOICES] == [
        "this_month",
        "last_month",
        "quarter",
        "12_months",
        "custom",
    ]
    today = date(2026, 11, 18)
    quarter = selectors.period_for("quarter", today=today)
    assert (quarter.start, quarter.end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert selectors.period_for("last_month", today=date(2026, 1, 5)).start == date(2025, 12, 1)
    assert selectors.period_for("12_months", today=today).start == date(2025, 11, 19)


def test_the_dashboards_are_in_the_navigation(analyst, client):
    from waymark.core.navigation import _ITEMS

    assert any(i.url_name == "oversight:dashboards" for i in _ITEMS)
    client.force_login(analyst)
    assert reverse("oversight:dashboards") in client.get(reverse("figures")).content.decode()
    landing = client.get(reverse("oversight:tracker")).content.decode()
    assert reverse("oversight:dashboards") in landing.split('id="oversight-figures-links"')[1]
    group = Group.objects.get(name="performance_analyst")
    assert group.permissions.filter(codename="view_metrics").exists()
