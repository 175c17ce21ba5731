"""Planning pages: each for its role (200), refused for a role without permission (403/404),
the GOV.UK error summary on bad input (nothing saved), team scoping."""

from __future__ import annotations

import pytest
from django.test import Client

from waymark.operations import models as m

from . import planning_helpers as h
from .conftest import premises_make, user_make, visit_make


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "name",
    [
        "operations:home",
        "operations:intelligence-list",
        "operations:visit-new",
        "operations:intelligence-new",
    ],
)
def test_planning_pages_for_the_field_officer(field_officer, frozen, name):
    from django.urls import reverse

    assert client_for(field_officer).get(reverse(name)).status_code == 200


def test_visit_pages_for_their_roles(visit, oic, cio, frozen):
    c = client_for(oic)
    for path in (
        f"/operations/visits/{visit.pk}/",
        f"/operations/visits/{visit.pk}/briefing/",
        f"/operations/visits/{visit.pk}/edit/",
        f"/operations/visits/{visit.pk}/steps/risk_assessment/",
        f"/operations/visits/{visit.pk}/steps/checks/",
        f"/operations/visits/{visit.pk}/steps/command/",
    ):
        response = c.get(path)
        assert response.status_code == 200, path
    page = c.get(f"/operations/visits/{visit.pk}/").content.decode()
    assert "Ready to deploy?" in page and "Premises history" in page
    assert client_for(cio).get("/operations/authorisations/").status_code == 200
    assert client_for(cio).get(f"/operations/visits/{visit.pk}/steps/authorise/").status_code == 200


def test_roles_without_permission_are_refused(visit, field_officer, police_partner, frozen):
    assert client_for(field_officer).get("/operations/authorisations/").status_code == 403
    assert (
        client_for(field_officer).get(f"/operations/visits/{visit.pk}/steps/authorise/").status_code
        == 403
    )
    assert client_for(police_partner).get("/operations/").status_code == 403
    assert client_for(police_partner).get(f"/operations/visits/{visit.pk}/").status_code == 403
    assert (
        client_for(field_officer).post(f"/operations/visits/{visit.pk}/deploy/").status_code == 403
    )
    assert client_for(field_officer).get("/operations/partner/").status_code == 403


def test_team_scoping(visit, other_ice_team, sector, police_force, frozen):
    outsider = user_make("officer_in_charge", other_ice_team, arrest_trained=True)
    assert client_for(outsider).get(f"/operations/visits/{visit.pk}/").status_code == 404
    assert visit.reference not in client_for(outsider).get("/operations/").content.decode()
    theirs = visit_make(other_ice_team, premises_make(sector, police_force, name="Highland Cafe"))
    assert "Highland Cafe" in client_for(outsider).get("/operations/").content.decode()
    assessor = user_make("assurance", None)
    assert client_for(assessor).get(f"/operations/visits/{theirs.pk}/").status_code == 200
    assert client_for(assessor).get(f"/operations/visits/{visit.pk}/").status_code == 200


def test_error_summary_on_bad_input_and_nothing_saved(visit, oic, frozen):
    response = client_for(oic).post(
        f"/operations/visits/{visit.pk}/steps/risk_assessment/",
        {"rating": "green", "rationale": "Fine"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page and "There is a problem" in page
    assert "Record at least one identified risk" in page
    assert not m.RiskAssessment.objects.exists()


def test_authorising_above_grade_through_the_page_shows_the_reason(visit, oic, cio, frozen):
    h.rate(visit, oic, "amber")
    h.plan_assess(visit, oic)
    response = client_for(cio).post(
        f"/operations/visits/{visit.pk}/steps/authorise/", {"decision": "grant", "reason": "Fine"}
    )
    assert response.status_code == 400
    assert "Senior Executive Officer (SEO) or above" in response.content.decode()
    assert not m.Authorisation.objects.exists()


def test_authorisations_list_only_shows_ratings_the_grade_may_authorise(visit, oic, cio, frozen):
    h.rate(visit, oic, "amber")
    assert (
        visit.reference not in client_for(cio).get("/operations/authorisations/").content.decode()
    )
    visit.risk_rating = "green"
    visit.save()
    assert visit.reference in client_for(cio).get("/operations/authorisations/").content.decode()


def test_plan_a_visit_through_the_page(ice_team, oic, sector, frozen):
    response = client_for(oic).post(
        "/operations/visits/new/",
        {
            "team": ice_team.pk,
            "region": "London",
            "visit_type": "compliance",
            "planned_on_0": "25",
            "planned_on_1": "11",
            "planned_on_2": "2026",
            "planned_time": "06:30",
            "business_name": "Spice Route",
            "address_line_1": "2 Brick Lane",
            "town": "London",
            "postcode": "E1 6RF",
            "sector": sector.pk,
            "intended_power": "licensing_s179",
            "community_impact": "Busy market day avoided",
        },
    )
    assert response.status_code == 400
    assert "only to licensed premises" in response.content.decode()
    assert not m.Visit.objects.exists()


def test_briefing_page_shows_who_has_not_accepted(visit, oic, field_officer, frozen):
    from waymark.operations import services

    services.visit_officer_assign(actor=oic, visit=visit, officer=field_officer)
    page = client_for(oic).get(f"/operations/visits/{visit.pk}/briefing/").content.decode()
    assert "Not yet accepted (1)" in page and field_officer.get_full_name() in page
    assert (
        client_for(field_officer).post(f"/operations/visits/{visit.pk}/briefing/").status_code
        == 302
    )
    page = client_for(oic).get(f"/operations/visits/{visit.pk}/briefing/").content.decode()
    assert "Not yet accepted (0)" in page


def test_premises_history_shows_earlier_visits_and_their_debrief_notes(
    visit, ice_team, premises, oic, frozen
):
    from datetime import timedelta

    from .conftest import NOW

    earlier = visit_make(
        ice_team,
        premises,
        creator=oic,
        rating="green",
        status=m.VisitStatus.CLOSED,
        planned_start=NOW - timedelta(days=200),
    )
    notes = dict.fromkeys(
        (
            "resources_deployed",
            "activity_undertaken",
            "people_and_outcomes",
            "intelligence_accuracy_notes",
            "onward_referrals",
            "went_well",
            "to_improve",
            "employer_records",
        ),
        "Recorded",
    )
    m.Debrief.objects.create(
        visit=earlier,
        intelligence_accuracy="partly",
        submitted_by=oic,
        submitted_at=NOW,
        premises_information="The entrance has moved to the side alley",
        **notes,
    )
    page = client_for(oic).get(f"/operations/visits/{visit.pk}/").content.decode()
    assert earlier.reference in page and "The entrance has moved to the side alley" in page


def test_home_filters_and_empty_state(visit, oic, frozen):
    c = client_for(oic)
    assert (
        visit.premises.business_name
        in c.get("/operations/", {"status": "planning"}).content.decode()
    )
    page = c.get("/operations/", {"rating": "red"}).content.decode()
    assert visit.premises.business_name not in page and "No visits match these filters" in page
    assert (
        visit.premises.business_name in c.get("/operations/", {"rating": "none"}).content.decode()
    )


def test_intelligence_pages(ice_team, oic, sector, police_force, frozen):
    c = client_for(oic)
    response = c.post(
        "/operations/intelligence/new/",
        {
            "team": ice_team.pk,
            "source": "public_allegation",
            "received_on_0": "17",
            "received_on_1": "11",
            "received_on_2": "2026",
            "business_name": "Noodle Bar",
            "address_line_1": "9 Mare Street",
            "town": "London",
            "postcode": "E8 4RP",
            "sector": sector.pk,
            "police_force": police_force.pk,
            "summary": "Staff sleeping on site",
            "harm": "high",
            "reliability": "B",
        },
    )
    assert response.status_code == 302
    package = m.IntelligencePackage.objects.get()
    assert package.priority == 1
    assert c.get("/operations/intelligence/").status_code == 200
    assert "Noodle Bar" in c.get(f"/operations/intelligence/{package.pk}/").content.decode()
    bad = c.post(
        f"/operations/intelligence/{package.pk}/decide/", {"decision": "reject", "reason": ""}
    )
    assert bad.status_code == 400 and "why the intelligence is rejected" in bad.content.decode()
    package.refresh_from_db()
    assert package.status == "received"


def test_a_material_change_through_the_edit_page_lapses_the_authorisation(visit, oic, cio, frozen):
    h.rate(visit, oic)
    h.plan_assess(visit, oic)
    h.authorise(visit, cio)
    p = visit.premises
    response = client_for(oic).post(
        f"/operations/visits/{visit.pk}/edit/",
        {
            "team": visit.team_id,
            "region": visit.region,
            "visit_type": visit.visit_type,
            "planned_on_0": "24",
            "planned_on_1": "11",
            "planned_on_2": "2026",
            "planned_time": "07:00",
            "business_name": p.business_name,
            "address_line_1": p.address_line_1,
            "town": p.town,
            "postcode": p.postcode,
            "sector": p.sector_id,
            "police_force": p.police_force_id,
            "licensed": "on",
            "licence_reference": p.licence_reference,
            "intended_power": visit.intended_power,
            "community_impact": visit.community_impact,
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.plan_version == 2 and visit.status == m.VisitStatus.PLANNING
    assert m.Authorisation.objects.get(visit=visit).lapsed_at is not None


def test_the_authorisations_list_says_what_blocks_each_visit(visit, oic, cio, frozen):
    """A visit missing its PLAN assessment is listed as blocked, with the reason, and links to its
    planning page rather than offering a decision that can only be refused."""
    h.rate(visit, oic, "green")
    page = client_for(cio).get("/operations/authorisations/").content.decode()
    assert "Cannot be authorised yet" in page
    assert "The PLAN assessment for the current plan is missing" in page
    assert f"/operations/visits/{visit.pk}/steps/authorise/" not in page
    h.plan_assess(visit, oic)
    page = client_for(cio).get("/operations/authorisations/").content.decode()
    assert "The PLAN assessment for the current plan is missing" not in page


def test_a_deployed_visit_s_page_leads_to_the_field_not_to_deployment(
    ice_team, premises, oic, field_officer, frozen
):
    from .conftest import visit_deployed_make

    visit = visit_deployed_make(ice_team, premises, oic, [field_officer])
    page = client_for(oic).get(f"/operations/visits/{visit.pk}/").content.decode()
    assert "Ready to deploy?" not in page and "To do" not in page
    assert "In the field" in page and f"/operations/visits/{visit.pk}/field/" in page
    assert f"/operations/visits/{visit.pk}/close/" in page
    assert f"/operations/visits/{visit.pk}/debrief/" in page
