"""The measures of effort and effect, each on a small dataset built by hand (brief operations.md §9;
003 Figures 3-6, §5.62, §7.22-7.23), the data-quality lists and the measures pages."""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse

from waymark.accounts.models import Team
from waymark.casework import selectors as casework_selectors
from waymark.casework import services as casework_services
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.operations import models as m
from waymark.operations import rules
from waymark.operations import selectors as measures
from waymark.operations.tests.conftest import NOW, premises_make, user_make, visit_make
from waymark.people import services as people_services

pytestmark = pytest.mark.django_db
_n = itertools.count(1)
PAST = NOW - timedelta(days=10)


def period() -> measures.Period:
    with clock.frozen(NOW):
        return measures.period_default()


def done(
    team,
    premises,
    oic,
    *,
    rating="green",
    power="informed_consent",
    at=PAST,
    status=m.VisitStatus.CLOSED,
    closed_after: timedelta | None = timedelta(hours=20),
    **extra,
) -> m.Visit:
    """A visit undertaken: deployed at ``at`` and (by default) closed 20 hours later."""
    closed = (
        at + closed_after if closed_after is not None and status == m.VisitStatus.CLOSED else None
    )
    later = {
        "intended_power": power,
        "visit_type": extra.pop("visit_type", "illegal_working_arrest"),
    }
    visit = visit_make(
        team,
        premises,
        creator=oic,
        rating=rating,
        status=status,
        planned_start=at,
        officer_in_charge=oic,
        deployed_at=at,
        deployed_by=oic,
        closure_due_at=rules.closure_due_at(at),
        closed_at=closed,
        **extra,
    )
    m.Visit.objects.filter(pk=visit.pk).update(**later)
    visit.refresh_from_db()
    return visit


def field_entry(visit, officer, entry_type: str) -> m.FieldEntry:
    at = visit.planned_start + timedelta(minutes=next(_n))
    return m.FieldEntry.objects.create(
        visit=visit,
        officer=officer,
        entry_type=entry_type,
        client_uuid=uuid.uuid4(),
        recorded_at=at,
        received_at=at,
        summary=entry_type,
    )


def encounter(
    visit, officer, nationality: str, result: str = "offender", action: str = "arrest", person=None
) -> m.Encounter:
    return m.Encounter.objects.create(
        entry=field_entry(visit, officer, "encounter"),
        visit=visit,
        person=person,
        name_given=f"Person {next(_n)}",
        nationality=nationality,
        result=result,
        action=action if result == "offender" else "",
    )


def by_key(rows, key="key"):
    return {r[key]: r for r in rows}


@pytest.fixture
def world(ice_team, other_ice_team, premises, oic, sector):
    return {
        "team": ice_team,
        "other": other_ice_team,
        "premises": premises,
        "oic": oic,
        "sector": sector,
    }


# ------------------------------------------------------------------------------------------------
# Figure 3, by team, Figure 4, Figure 6, joint


def test_visits_by_rating_counts_no_rating_and_only_visits_undertaken_in_the_period(world):
    t, p, oic = world["team"], world["premises"], world["oic"]
    done(t, p, oic, rating="green")
    done(t, p, oic, rating="green")
    done(t, p, oic, rating="amber")
    done(t, p, oic, rating="", source=m.VisitSource.LEGACY)
    done(t, p, oic, rating="green", status=m.VisitStatus.DEPLOYED)
    visit_make(t, p, rating="green")  # planning: not undertaken
    visit_make(t, p, rating="green", status=m.VisitStatus.CANCELLED, planned_start=PAST)
    done(t, p, oic, rating="green", at=NOW - timedelta(days=400))  # before the period
    rows = by_key(measures.visits_by_rating(period()))
    assert {k: r["n"] for k, r in rows.items()} == {"green": 3, "amber": 1, "red": 0, "none": 1}
    assert rows["none"]["label"] == "No rating" and rows["none"]["pct"] == 20.0
    assert measures.measure_value("visits_risk_rated_pct", period()) == 80.0


def test_visits_by_team_and_the_team_filter(world):
    t, other, p, oic = world["team"], world["other"], world["premises"], world["oic"]
    done(t, p, oic)
    done(t, p, oic, rating="")
    done(other, p, oic, rating="amber")
    rows = by_key(measures.visits_by_team(period()), "team")
    assert rows["ICE Central London"]["n"] == 2 and rows["ICE Central London"]["none"] == 1
    assert rows["ICE Scotland"]["amber"] == 1
    assert measures.measure_value("visits", period(), other) == 1
    assert [r["team"] for r in measures.visits_by_team(period(), other)] == ["ICE Scotland"]


def test_visits_by_sector_top_ten_then_the_rest(world):
    t, oic = world["team"], world["oic"]
    for n in range(rules.SECTOR_TOP + 2):
        sector = m.Sector.objects.create(key=f"s{n}", name=f"Sector {n:02d}")
        for _ in range(2 if n == 0 else 1):
            done(t, premises_make(sector), oic)
    rows = measures.visits_by_sector(period())
    assert rows[0] == {"label": "Sector 00", "n": 2, "pct": round(100 * 2 / 13, 1)}
    assert len(rows) == rules.SECTOR_TOP + 1
    assert rows[-1]["label"] == "All other sectors" and rows[-1]["n"] == 2


def test_intended_power_of_entry_shares_with_none_recorded_as_other(world):
    t, p, oic = world["team"], world["premises"], world["oic"]
    for power in ["informed_consent", "informed_consent", "licensing_s179", "warrant", ""]:
        done(t, p, oic, power=power or "x")
    m.Visit.objects.filter(intended_power="x").update(intended_power="")
    rows = by_key(measures.intended_powers(period()))
    assert rows["informed_consent"]["pct"] == 40.0
    assert rows["licensing_s179"]["n"] == 1 and rows["warrant"]["n"] == 1
    assert rows["other"]["n"] == 1 and rows["ad_letter_s28ca"]["n"] == 0


def test_joint_operations_share_counts_the_type_or_named_partners(world):
    t, p, oic = world["team"], world["premises"], world["oic"]
    done(t, p, oic, visit_type="joint_operation")
    done(t, p, oic, partner_agencies=["HMRC"])
    done(t, p, oic)
    done(t, p, oic)
    assert measures.joint_operations(period()) == {"n": 2, "total": 4, "pct": 50.0}


# ------------------------------------------------------------------------------------------------
# Figure 5, sanctions, safeguarding, incidents


def test_nationalities_top_ten_without_british_with_arrests(world, monkeypatch):
    t, p, oic = world["team"], world["premises"], world["oic"]
    visit = done(t, p, oic)
    for _ in range(3):
        encounter(visit, oic, "GBR", result="british_irish")
    encounter(visit, oic, "IND")
    encounter(visit, oic, "IND", action="papers_served")
    encounter(visit, oic, "IND", result="right_to_work")
    encounter(visit, oic, "BGD")
    encounter(visit, oic, "ALB", result="right_to_work")
    monkeypatch.setattr(rules, "NATIONALITY_TOP", 2)
    result = measures.nationalities(period())
    assert [(r["code"], r["encountered"], r["arrested"]) for r in result["rows"]] == [
        ("IND", 3, 1),
        ("ALB", 1, 0),
    ]
    assert result["excluded"] == [{"code": "GBR", "label": "United Kingdom", "encountered": 3}]
    assert result["encountered"] == 8 and result["arrested"] == 2


def test_sanctions_safeguarding_and_nrm_where_indicators(world):
    t, p, oic = world["team"], world["premises"], world["oic"]
    first, second, third = done(t, p, oic), done(t, p, oic), done(t, p, oic)
    for visit, kind in [
        (first, "civil_penalty_referral"),
        (second, "civil_penalty_referral"),
        (first, "licensing_review"),
        (third, "closure_notice"),
    ]:
        m.EmployerSanction.objects.create(
            entry=field_entry(visit, oic, "employer_sanction"), visit=visit, kind=kind
        )
    for visit, kind in [
        (first, "vulnerability"),
        (first, "nrm"),
        (second, "vulnerability"),
        (third, "social_services"),
    ]:
        m.SafeguardingRecord.objects.create(
            entry=field_entry(visit, oic, "safeguarding"), visit=visit, kind=kind, detail="Recorded"
        )
    sanctions = {r["key"]: r["n"] for r in measures.sanctions(period())}
    assert sanctions == {
        "civil_penalty_referral": 2,
        "no_action_notice": 0,
        "licensing_review": 1,
        "closure_notice": 1,
    }
    assert measures.measure_value("civil_penalty_referrals", period()) == 2
    assert measures.measure_value("closure_referrals", period()) == 1
    safeguarding = {r["key"]: r["n"] for r in measures.safeguarding(period())}
    assert safeguarding == {"vulnerability": 2, "nrm": 1, "social_services": 1, "s55": 0}
    assert measures.measure_value("nrm_referrals", period()) == 1
    assert (
        measures.measure_value("nrm_where_indicators_pct", period()) == 50.0
    )  # 1 of 2 visits with indicators


def test_critical_incidents_and_rate_per_thousand(world):
    t, p, oic = world["team"], world["premises"], world["oic"]
    visits = [done(t, p, oic) for _ in range(4)]
    m.CriticalIncident.objects.create(
        entry=field_entry(visits[0], oic, "critical_incident"),
        visit=visits[0],
        declared_at=visits[0].planned_start,
        reason="Crowd at the exits",
    )
    assert measures.critical_incidents(period()) == {"n": 1, "per_1000": 250.0, "total": 4}


# ------------------------------------------------------------------------------------------------
# Intelligence, briefing, closure


def debrief(visit, oic, accuracy="accurate", words_each=10) -> m.Debrief:
    text = " ".join(["word"] * words_each)
    return m.Debrief.objects.create(
        visit=visit,
        intelligence_accuracy=accuracy,
        submitted_by=oic,
        submitted_at=visit.planned_start + timedelta(hours=3),
        **dict.fromkeys(rules.DEBRIEF_SECTIONS, text),
    )


def test_intelligence_accuracy_from_debriefs(world):
    t, p, oic = world["team"], world["premises"], world["oic"]
    for accuracy in ["accurate", "accurate", "partly", "inaccurate"]:
        debrief(done(t, p, oic), oic, accuracy)
    rows = by_key(measures.intelligence_accuracy(period()))
    assert (rows["accurate"]["n"], rows["partly"]["n"], rows["inaccurate"]["n"]) == (2, 1, 1)
    assert measures.measure_value("intelligence_accurate_pct", period()) == 50.0


def test_briefing_acceptance_counts_only_the_plan_carried_out(world, field_officer):
    t, p, oic = world["team"], world["premises"], world["oic"]
    visit = done(t, p, oic)
    m.Visit.objects.filter(pk=visit.pk).update(plan_version=2)
    m.VisitOfficer.objects.create(
        visit=visit, officer=oic, briefing_accepted_at=PAST, briefing_plan_version=2
    )
    m.VisitOfficer.objects.create(
        visit=visit, officer=field_officer, briefing_accepted_at=PAST, briefing_plan_version=1
    )  # accepted the old plan
    third = user_make("field_officer", t)
    m.VisitOfficer.objects.create(visit=visit, officer=third)
    assert measures.briefing_acceptance(period()) == {
        "assigned": 3,
        "accepted": 1,
        "pct": 33.3,
        "visits_short": 1,
    }


def test_time_to_closure_median_within_48_hours_and_overdue_now(world):
    t, p, oic = world["team"], world["premises"], world["oic"]
    done(t, p, oic, closed_after=timedelta(hours=10))
    done(t, p, oic, closed_after=timedelta(hours=30))
    done(t, p, oic, closed_after=rules.CLOSURE_DUE)  # exactly on time counts
    done(t, p, oic, closed_after=rules.CLOSURE_DUE + timedelta(minutes=1))
    done(t, p, oic, status=m.VisitStatus.DEPLOYED, at=NOW - timedelta(days=3))  # overdue now
    done(t, p, oic, status=m.VisitStatus.DEPLOYED, at=NOW - timedelta(hours=2))  # not yet due
    with clock.frozen(NOW):
        result = measures.closure(period())
    assert result["closed"] == 4 and result["on_time"] == 3 and result["on_time_pct"] == 75.0
    assert result["median_hours"] == 39.0  # (30 + 48) / 2
    assert result["overdue_now"] == 1 and result["due_hours"] == 48


# ------------------------------------------------------------------------------------------------
# Effect: through the person record to what casework recorded (must show)


@pytest.fixture
def removals_officer(db):
    removals = Team.objects.get_or_create(slug="removals", defaults={"name": "Removals"})[0]
    return user_make("removals", removals)


def test_an_encounter_whose_person_is_later_removed_shows_as_removed(world, removals_officer):
    """Must show (issue 5): an offender encountered on a visit, removed afterwards through criminal
    casework's own services, appears as "removed" in the measures of effect."""
    t, p, oic = world["team"], world["premises"], world["oic"]
    person = people_services.person_create(
        actor=None,
        given_names="Arben",
        family_name="Hoxha",
        date_of_birth=date(1990, 4, 2),
        nationalities=("ALB",),
    )
    other = people_services.person_create(
        actor=None, given_names="Li", family_name="Wei", nationalities=("CHN",)
    )
    visit = done(t, p, oic)
    encounter(visit, oic, "ALB", person=person)
    encounter(visit, oic, "CHN", person=other)
    encounter(visit, oic, "IND")  # an offender with no person record
    encounter(visit, oic, "GBR", result="british_irish")  # not an offender: not counted
    before = {r["key"]: r["n"] for r in measures.effect(period())["rows"]}
    assert before["removed"] == 0 and before["not_known"] == 3
    with clock.frozen(NOW):
        direction = casework_services.removal_directions_set(
            actor=removals_officer,
            person=person,
            route="administrative_removal",
            planned_for=NOW.date(),
        )
        casework_services.removal_outcome_record(
            actor=removals_officer, direction=direction, removed=True
        )
    result = measures.effect(period())
    after = {r["key"]: r["n"] for r in result["rows"]}
    assert after["removed"] == 1 and after["not_known"] == 2
    assert result["people"] == 3 and result["unlinked"] == 1
    assert measures.measure_value("offenders_removed_or_returned_pct", period()) == 33.3


def test_a_person_encountered_twice_counts_once_and_a_merged_record_follows_the_survivor(world):
    t, p, oic = world["team"], world["premises"], world["oic"]
    person = people_services.person_create(
        actor=None, given_names="Ana", family_name="Silva", nationalities=("BRA",)
    )
    first, second = done(t, p, oic), done(t, p, oic)
    encounter(first, oic, "BRA", person=person)
    encounter(second, oic, "BRA", person=person)
    assert measures.effect(period())["people"] == 1


def test_casework_selector_removal_outcomes_for_people_reads_casework_records(
    world, removals_officer
):
    removed, returned, unknown = (
        people_services.person_create(actor=None, given_names=g, family_name="Test")
        for g in ("Removed", "Returned", "Unknown")
    )
    with clock.frozen(NOW):
        direction = casework_services.removal_directions_set(
            actor=removals_officer, person=removed, route="deportation", planned_for=NOW.date()
        )
        assert (
            casework_selectors.removal_outcomes_for_people([removed.pk]) == {}
        )  # planned is not an outcome
        casework_services.removal_outcome_record(
            actor=removals_officer, direction=direction, removed=True
        )
        casework_services.voluntary_return_offer(
            actor=removals_officer,
            person=returned,
            option="frs",
            context="visit",
            outcome="departed",
            departed_on=NOW.date(),
        )
        outcomes = casework_selectors.removal_outcomes_for_people(
            [removed.pk, returned.pk, unknown.pk, None]
        )
    assert outcomes == {removed.pk: "removed", returned.pk: "returned"}
    left = casework_selectors.removal_outcome_dates_for_people(
        [removed.pk, returned.pk, unknown.pk]
    )
    assert left == {removed.pk: NOW.date(), returned.pk: NOW.date()}


# ------------------------------------------------------------------------------------------------
# Registry


def test_every_registered_measure_answers_on_an_empty_database(db):
    for key, measure in measures.REGISTRY.items():
        value = measure.function(period(), None)
        assert value is None or isinstance(value, int | float), key
        assert measure.unit in {"count", "percent", "hours", "per 1,000 visits"}, key


# ------------------------------------------------------------------------------------------------
# Data quality


def test_data_quality_lists_each_rule(world, field_officer, police_force):
    t, p, oic = world["team"], world["premises"], world["oic"]
    unrated = done(t, p, oic, rating="", source=m.VisitSource.LEGACY)
    visit = done(t, p, oic)
    m.Seizure.objects.create(
        entry=field_entry(visit, oic, "seizure"),
        visit=visit,
        searched="Office",
        search_power="Para 25A",
        item_description="Passport",
        exhibit_number="AB/1",
        sealed_bag_number="SB1",
    )
    m.Seizure.objects.create(
        entry=field_entry(visit, oic, "seizure"),
        visit=visit,
        searched="Office",
        search_power="Para 25A",
        item_description="Phone",
        exhibit_number="AB/2",
        sealed_bag_number="SB2",
        property_signed_off_by=oic,
        property_signed_off_at=NOW,
    )
    authorised = visit_make(t, p, rating="green", status=m.VisitStatus.AUTHORISED)
    m.VisitOfficer.objects.create(
        visit=authorised, officer=oic, briefing_accepted_at=NOW, briefing_plan_version=1
    )
    m.VisitOfficer.objects.create(visit=authorised, officer=field_officer)
    thin = debrief(done(t, p, oic), oic, words_each=1)
    debrief(done(t, p, oic), oic, words_each=10)
    overdue = done(t, p, oic, status=m.VisitStatus.DEPLOYED, at=NOW - timedelta(days=3))
    sent = NOW - timedelta(days=5)
    onf = m.NotificationForm.objects.create(
        visit=authorised,
        police_force=police_force,
        sent_at=sent,
        sent_by=oic,
        response_due_at=rules.onf_response_due(sent),
    )
    with clock.frozen(NOW):
        counts = measures.data_quality_counts()
        lists = {key: list(measures.data_quality_list(key)) for key in measures.DATA_QUALITY_RULES}
    assert counts == {
        "no_rating": 1,
        "unsealed_exhibit": 1,
        "unaccepted_briefing": 1,
        "thin_debrief": 1,
        "overdue_closure": 1,
        "onf_not_returned": 1,
    }
    assert lists["no_rating"] == [unrated]
    assert lists["unsealed_exhibit"][0].exhibit_number == "AB/1"
    assert (
        lists["unaccepted_briefing"] == [authorised]
        and lists["unaccepted_briefing"][0].not_accepted == 1
    )
    assert lists["thin_debrief"][0].pk == thin.pk
    assert lists["overdue_closure"] == [overdue]
    assert lists["onf_not_returned"] == [onf]


# ------------------------------------------------------------------------------------------------
# Pages


@pytest.fixture
def analyst(ice_team):
    return user_make("performance_analyst", None)


def test_measures_page_needs_the_measures_permission(client, world, analyst, field_officer):
    client.force_login(field_officer)
    assert client.get(reverse("operations:measures")).status_code == 403
    client.force_login(analyst)
    done(world["team"], world["premises"], world["oic"], rating="")
    with clock.frozen(NOW):
        response = client.get(reverse("operations:measures"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Visits by risk rating" in body and 'id="rating-none"' in body and "<caption" in body
    assert "govuk-summary-card" in body


def test_measures_page_filters_by_team_and_refuses_a_bad_date(client, world, analyst):
    done(world["team"], world["premises"], world["oic"])
    done(world["other"], world["premises"], world["oic"], rating="amber")
    client.force_login(analyst)
    with clock.frozen(NOW):
        response = client.get(reverse("operations:measures"), {"team": "ice-scotland"})
        everyone = client.get(reverse("operations:measures"))
        bad = client.get(reverse("operations:measures"), {"start": "31/01/2026"})
    body = response.content.decode()
    assert response.status_code == 200 and ", ICE Scotland." in body
    assert "ICE Central London</th>" not in body and "ICE Scotland</th>" in body
    assert "ICE Central London</th>" in everyone.content.decode()
    assert bad.status_code == 400
    assert "Enter the start as YYYY-MM-DD" in bad.content.decode()


def test_csv_export_neutralises_formulae_and_is_audited_as_a_disclosure(client, world, analyst):
    team = Team.objects.create(slug="ice-formula", name='=HYPERLINK("http://x")')
    done(team, world["premises"], world["oic"])
    client.force_login(analyst)
    with clock.frozen(NOW):
        response = client.get(reverse("operations:measures-csv"))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["section", "measure", "value", "percent"]
    team_rows = [r for r in rows if r[0] == "visits_by_team"]
    assert team_rows == [["visits_by_team", '\'=HYPERLINK("http://x")', "1", ""]]
    event = AuditEvent.objects.filter(verb="operations.measures_exported").get()
    assert event.action == "disclosure" and event.actor_id == analyst.pk


def test_data_quality_page_lists_and_links_with_pagination(client, world, analyst, monkeypatch):
    from waymark.operations.views import measures as measures_views

    monkeypatch.setattr(measures_views, "DATA_QUALITY_PAGE", 2)
    for _ in range(3):
        done(world["team"], world["premises"], world["oic"], rating="")
    client.force_login(analyst)
    with clock.frozen(NOW):
        first = client.get(reverse("operations:data-quality"), {"rule": "no_rating"})
        second = client.get(reverse("operations:data-quality"), {"rule": "no_rating", "page": 2})
        missing = client.get(reverse("operations:data-quality"), {"rule": "nonsense"})
    refs = list(
        m.Visit.objects.order_by("-planned_start", "-pk").values_list("reference", flat=True)
    )
    one, two = first.content.decode(), second.content.decode()
    assert first.status_code == 200 and "3 in all; page 1 of 2" in one
    assert refs[0] in one and refs[1] in one and refs[2] not in one
    assert refs[2] in two and "page 2 of 2" in two
    assert 'id="rule-no_rating"' in one
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20", "'+44 20"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ICE Scotland", "ICE Scotland"),
        (-5, -5),
        (None, None),
        (12.5, 12.5),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(value, expected):
    from waymark.operations.views.measures import neutralise

    assert neutralise(value) == expected
