"""The EM Hub's pages: each renders for the roles that use it, refuses the others, shows a GOV.UK
error summary for bad input and saves nothing, and shows a service's refusal with its reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from waymark.core import clock
from waymark.core.models import AuditAction, AuditEvent
from waymark.monitoring import services
from waymark.monitoring.models import (
    Condition,
    Exemption,
    FittingOrder,
    LadderAction,
    Review,
    ReviewStatus,
    TrailDataRequest,
)
from waymark.monitoring.tests.conftest import NOW, condition_make, em_person, em_user, fitted_make

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def scene(caseworker, manager, hub):
    """A person at every stage: fitted with a breach, a due review, a challenge, a trail request."""
    with clock.frozen(NOW - timedelta(days=85)):
        person = em_person(hub)
        condition = fitted_make(caseworker, person)
    with clock.frozen(NOW):
        services.reviews_schedule()
        breach = services.breach_ingest(
            event=None,
            person=person,
            breach_type="full_curfew",
            started_at=NOW - timedelta(hours=3),
            ended_at=NOW - timedelta(hours=2),
        )
        challenge = services.challenge_record(
            actor=caseworker,
            person=person,
            kind="pre_action",
            received_on=clock.today(),
            from_party="Smith & Co",
            summary="Curfew",
        )
        trail = services.trail_request_create(
            actor=manager,
            person=person,
            requester_kind="police",
            requester_name="Met Police",
            request_type="trail",
            period_start=NOW - timedelta(days=3),
            period_end=NOW - timedelta(hours=1),
            lawful_ground="allegations",
            justification="Intelligence",
        )
        waiting = em_person(hub, family_name="Waiting")
        pending = condition_make(caseworker, waiting)
    return {
        "person": person,
        "condition": condition,
        "breach": breach,
        "challenge": challenge,
        "trail": trail,
        "review": Review.objects.get(),
        "waiting": waiting,
        "pending": pending,
    }


def test_every_hub_page_renders_for_an_em_caseworker(frozen, scene, caseworker):
    client = signed_in(caseworker)
    s = scene
    pages = [
        "/monitoring/",
        *[
            f"/monitoring/lists/{k}/"
            for k in ("held", "released", "breaches", "reviews", "duty-gaps", "data-quality")
        ],
        f"/monitoring/people/{s['person'].pk}/",
        f"/monitoring/people/{s['person'].pk}/bail-grant/",
        f"/monitoring/people/{s['person'].pk}/exemption/",
        f"/monitoring/people/{s['person'].pk}/challenge/",
        f"/monitoring/people/{s['person'].pk}/trail-data/",
        f"/monitoring/people/{s['waiting'].pk}/",
        f"/monitoring/conditions/{s['pending'].pk}/order/",
        f"/monitoring/conditions/{s['pending'].pk}/release/",
        f"/monitoring/conditions/{s['pending'].pk}/conveyance/",
        f"/monitoring/breaches/{s['breach'].pk}/",
        f"/monitoring/breaches/{s['breach'].pk}/mitigation/",
        f"/monitoring/reviews/{s['review'].pk}/",
        f"/monitoring/challenges/{s['challenge'].pk}/",
        f"/monitoring/trail-data/{s['trail'].pk}/",
        f"/monitoring/trail-data/{s['trail'].pk}/close/",
        "/monitoring/figures/",
        "/monitoring/figures.csv",
        "/monitoring/supplier/",
        "/monitoring/plan/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_figures_pages_are_for_mi_roles_only(frozen, scene, hub):
    analyst = signed_in(em_user("performance_analyst", None))
    assert analyst.get("/monitoring/figures/").status_code == 200
    assert analyst.get("/monitoring/plan/").status_code == 200
    assert analyst.get("/monitoring/").status_code == 403
    case_owner = signed_in(em_user("case_owner", None))
    assert case_owner.get("/monitoring/figures/").status_code == 403
    assert case_owner.get(f"/monitoring/people/{scene['person'].pk}/").status_code == 403


def test_a_person_outside_the_hubs_duty_is_404(frozen, caseworker):
    from waymark.accounts.models import Team
    from waymark.people import services as people_services

    elsewhere = Team.objects.create(slug="elsewhere", name="Elsewhere")
    stranger = people_services.person_create(
        actor=None, given_names="Ann", family_name="Other", owning_team=elsewhere
    )
    assert signed_in(caseworker).get(f"/monitoring/people/{stranger.pk}/").status_code == 404


def test_the_monitoring_tab_writes_a_consultation(frozen, scene, caseworker):
    signed_in(caseworker).get(f"/monitoring/people/{scene['person'].pk}/")
    assert AuditEvent.objects.filter(
        person_id=scene["person"].pk, action=AuditAction.CONSULTATION, actor=caseworker
    ).exists()


def test_an_invalid_exemption_shows_the_error_summary_and_saves_nothing(frozen, scene, caseworker):
    response = signed_in(caseworker).post(
        f"/monitoring/people/{scene['person'].pk}/exemption/", {"ground": ""}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body and "Select the ground for the exemption" in body
    assert not Exemption.objects.exists()


def test_a_late_prison_slot_is_warned_then_sent_when_confirmed(frozen, scene, caseworker):
    client = signed_in(caseworker)
    url = f"/monitoring/conditions/{scene['pending'].pk}/order/"
    day = (NOW + timedelta(days=1)).date()
    post = {
        "place": "prison",
        "place_details": "HMP Pentonville",
        "slot_on_0": day.day,
        "slot_on_1": day.month,
        "slot_on_2": day.year,
        "slot_time": "18:00",
    }
    warned = client.post(url, post)
    assert warned.status_code == 400 and "morning slot" in warned.content.decode()
    assert not FittingOrder.objects.filter(condition=scene["pending"]).exists()
    sent = client.post(url, {**post, "accept_slot_warning": "on"})
    assert sent.status_code == 302
    assert FittingOrder.objects.filter(condition=scene["pending"]).count() == 1


def test_imposing_a_condition_through_the_page(frozen, caseworker, hub):
    person = em_person(hub, family_name="Newcase")
    grant = services.bail_grant_record(
        actor=caseworker,
        person=person,
        granted_by="immigration_judge",
        granted_at=NOW - timedelta(hours=1),
    )
    client = signed_in(caseworker)
    page = client.get(f"/monitoring/people/{person.pk}/condition/")
    assert "Recommended" in page.content.decode()
    advice = services.recommendation_for(person)
    today = clock.today()
    response = client.post(
        f"/monitoring/people/{person.pk}/condition/",
        {
            "bail_grant": grant.pk,
            "device_type": advice.device_type,
            "start_date_0": today.day,
            "start_date_1": today.month,
            "start_date_2": today.year,
            "held_in_detention": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Condition.objects.get(person=person).fitting_due_at == grant.granted_at + timedelta(
        hours=72
    )


def test_applying_the_ladder_generates_the_warning_letter(frozen, scene, caseworker):
    # Applying needs the check page's confirmation (issue 16, problem 6).
    response = signed_in(caseworker).post(
        f"/monitoring/breaches/{scene['breach'].pk}/ladder/", {"confirm": "yes"}
    )
    assert response.status_code == 302
    action = LadderAction.objects.get()
    assert action.step == 1 and action.letter.person == scene["person"]
    page = signed_in(caseworker).get(f"/monitoring/breaches/{scene['breach'].pk}/").content.decode()
    assert "record how it was served" in page


def test_an_eo_signing_off_a_cease_is_refused_with_the_reason(frozen, scene, caseworker, senior):
    review = scene["review"]
    reasons = {
        "reasons_vulnerability": "x",
        "reasons_medical": "x",
        "reasons_convention_rights": "x",
        "reasons_harm": "x",
    }
    client = signed_in(caseworker)
    assert (
        client.post(
            f"/monitoring/reviews/{review.pk}/", {"outcome": "cease", **reasons}
        ).status_code
        == 302
    )
    refused = client.post(f"/monitoring/reviews/{review.pk}/", {"agree": "yes"})
    assert refused.status_code == 400 and "Higher Executive Officer" in refused.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.AWAITING_SIGN_OFF
    assert (
        signed_in(senior).post(f"/monitoring/reviews/{review.pk}/", {"agree": "yes"}).status_code
        == 302
    )
    review.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED


def test_a_requester_cannot_approve_their_own_trail_request(frozen, scene, manager):
    response = signed_in(manager).post(f"/monitoring/trail-data/{scene['trail'].pk}/approve/", {})
    assert response.status_code == 400 and "someone else must approve" in response.content.decode()
    assert TrailDataRequest.objects.get().status == "awaiting_approval"


def test_an_eo_may_not_open_the_approval_page(frozen, scene, caseworker):
    assert (
        signed_in(caseworker)
        .get(f"/monitoring/trail-data/{scene['trail'].pk}/approve/")
        .status_code
        == 403
    )


def test_the_figures_page_refuses_a_backwards_period(frozen, scene, manager):
    response = signed_in(manager).get(
        "/monitoring/figures/", {"start": "2026-11-10", "end": "2026-11-01"}
    )
    assert (
        response.status_code == 200
        and "The end must be the same as or after the start" in response.content.decode()
    )


def test_the_joint_log_adds_and_closes(frozen, manager):
    client = signed_in(manager)
    bad = client.post(
        "/monitoring/supplier/joint-log/",
        {"kind": "risk", "title": "Stock", "description": "Low", "owner": "MoJ"},
    )
    assert bad.status_code == 400 and "likelihood" in bad.content.decode()
    ok = client.post(
        "/monitoring/supplier/joint-log/",
        {"kind": "issue", "title": "Late slots", "description": "x", "owner": "Supplier"},
    )
    assert ok.status_code == 302
    from waymark.monitoring.models import JointLogEntry

    entry = JointLogEntry.objects.get()
    client.post("/monitoring/supplier/joint-log/", {"close": entry.pk})
    entry.refresh_from_db()
    assert entry.status == "closed"


@pytest.mark.parametrize("close", ["abc", "", "1e3", "-1", "99999999999999999999999"])
def test_closing_a_joint_log_entry_that_is_not_a_number_says_so_and_changes_nothing(
    frozen, manager, close
):
    """Issue 14 item 13: ``close=abc`` answered 500."""
    client = signed_in(manager)
    client.post(
        "/monitoring/supplier/joint-log/",
        {"kind": "issue", "title": "Late slots", "description": "x", "owner": "Supplier"},
    )
    from waymark.monitoring.models import JointLogEntry

    response = client.post("/monitoring/supplier/joint-log/", {"close": close}, follow=True)
    assert response.status_code == 200
    assert "could not be found" in response.content.decode()
    assert JointLogEntry.objects.get().status != "closed"


def test_escalating_a_breach_shows_the_letter_and_needs_confirmation_then_closes_the_task(
    frozen, caseworker, fitted, person
):
    """The ladder is applied only after a check page that shows the letter as it will be sent;
    a bare POST only shows that page again; applying closes the breach's task."""
    from django.test import Client
    from django.urls import reverse

    from waymark.monitoring.models import Breach, LadderAction
    from waymark.work.models import ACTIVE_STATUSES

    services.breach_ingest(
        event=None,
        person=person,
        breach_type="full_curfew",
        started_at=clock.now() - timedelta(hours=3),
        ended_at=clock.now() - timedelta(hours=2),
    )
    breach = Breach.objects.get(person=person, breach_type="full_curfew")
    assert breach.task is not None and breach.task.status in ACTIVE_STATUSES
    client = Client()
    client.force_login(caseworker)
    page = client.get(reverse("monitoring:breach", args=[breach.pk])).content.decode()
    assert page.index("Explanation (mitigation)") < page.index("Escalation ladder")
    url = reverse("monitoring:breach-ladder", args=[breach.pk])
    check = client.get(url).content.decode()
    assert "Check before you apply the escalation ladder" in check
    assert "data-letter-preview" in check and person.full_name in check
    assert not LadderAction.objects.exists()
    client.post(url)  # no confirmation: the check page again, nothing applied
    assert not LadderAction.objects.exists()
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert LadderAction.objects.filter(breach=breach).count() == 1
    breach.task.refresh_from_db()
    assert breach.task.status not in ACTIVE_STATUSES


def test_the_figures_period_names_its_last_day_as_every_other_period_does(frozen, scene, manager):
    """'To (included)', as the measures pages: one day is a period (issue 16, problem 11)."""
    page = (
        signed_in(manager)
        .get("/monitoring/figures/", {"start": "2026-11-10", "end": "2026-11-10"})
        .content.decode()
    )
    assert "To (included)" in page and "not including" not in page
    assert "10 November 2026 to 10 November 2026" in page
