"""Casework pages: each renders for the roles that use it, bad input gets a GOV.UK error summary
and saves nothing, a service's refusal is shown with its reason."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from waymark.casework import services
from waymark.casework.models import (
    Barrier,
    CaseReview,
    NonCompliance,
    RemovalDirection,
    ReportingEvent,
    ReportingRestriction,
)
from waymark.casework.tests.conftest import NOW, TODAY, restriction_make, user_make
from waymark.core import clock
from waymark.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _date(prefix: str, day) -> dict[str, str]:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


@pytest.fixture
def scene(frozen, owner, centre_officer, removals_officer, person, teams):
    restriction = restriction_make(owner, person, teams["centre"])
    services.event_outcome_record(
        actor=centre_officer,
        event=ReportingEvent.objects.get(person=person, due_on=TODAY),
        outcome="no_show",
    )
    barrier = services.barrier_add(
        actor=owner, person=person, barrier_type="no_travel_document", started_on=TODAY
    )
    services.reviews_schedule()
    services.detention_request(actor=owner, person=person, grounds="Absconding risk")
    charter = services.charter_create(
        actor=removals_officer,
        reference="JAM-TEST",
        destination="JAM",
        departs_on=TODAY + timedelta(days=20),
    )
    return {
        "restriction": restriction,
        "barrier": barrier,
        "charter": charter,
        "step": NonCompliance.objects.get(person=person).steps.first(),
        "review": CaseReview.objects.get(),
    }


def test_every_casework_page_renders_for_a_case_owner(scene, owner, person):
    client = signed_in(owner)
    pages = [
        "/casework/",
        *[
            f"/casework/lists/{k}/"
            for k in (
                "mine",
                "caseload",
                "flagged",
                "out-of-contact",
                "reviews",
                "referrals",
                "referable",
                "decision-overdue",
                "further-submissions",
                "trace",
                "barriers",
                "preparation",
                "data-quality",
            )
        ],
        f"/casework/people/{person.pk}/",
        f"/casework/people/{person.pk}/reporting/",
        f"/casework/restrictions/{scene['restriction'].pk}/",
        f"/casework/steps/{scene['step'].pk}/",
        f"/casework/people/{person.pk}/absconder/",
        f"/casework/reviews/{scene['review'].pk}/",
        f"/casework/people/{person.pk}/barrier/",
        f"/casework/barriers/{scene['barrier'].pk}/clear/",
        f"/casework/people/{person.pk}/etd/",
        f"/casework/people/{person.pk}/further-submissions/",
        f"/casework/people/{person.pk}/red-notice/",
        f"/casework/people/{person.pk}/commission/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    assert (
        b"Band 4</strong> \xe2\x80\x94 Not MAPPA; not removable"
        in client.get(f"/casework/people/{person.pk}/").content
    )
    assert client.get("/casework/centre/").status_code == 403
    assert client.get("/casework/lists/nonsense/").status_code == 404


def test_viewing_the_casework_tab_is_audited_as_a_consultation(scene, owner, person):
    signed_in(owner).get(f"/casework/people/{person.pk}/")
    assert AuditEvent.objects.filter(person_id=person.pk, action="consultation").exists()


def test_a_person_outside_the_users_teams_is_not_found(scene, teams, person):
    stranger = user_make("case_owner", teams["leeds"])
    assert signed_in(stranger).get(f"/casework/people/{person.pk}/").status_code == 404


def test_the_centre_list_shows_the_change_at_once(scene, owner, centre_officer, person, teams):
    services.restriction_change(
        actor=owner,
        restriction=scene["restriction"],
        reason="Works late",
        window_start=clock.now().time().replace(hour=15, minute=0),
    )
    client = signed_in(centre_officer)
    day = (TODAY + timedelta(days=7)).isoformat()
    page = client.get(f"/casework/centre/?centre={teams['centre'].pk}&day={day}").content.decode()
    assert person.full_name in page and "Changed" in page and "window opens 10:00 → 15:00" in page


def test_an_impossible_window_on_the_form_shows_an_error_summary_and_saves_nothing(
    frozen, owner, person, teams
):
    data = {
        "centre": teams["centre"].pk,
        "place_kind": "reporting_centre",
        "frequency_days": "7",
        "window_start": "17:45",
        "window_minutes": "60",
        **_date("starts_on", TODAY),
    }
    response = signed_in(owner).post(f"/casework/people/{person.pk}/reporting/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page and "opening hours" in page
    assert not ReportingRestriction.objects.exists()


def test_a_future_outcome_is_refused_on_the_centre_page(scene, centre_officer, person):
    future = ReportingEvent.objects.get(person=person, due_on=TODAY + timedelta(days=7))
    response = signed_in(centre_officer).post(
        f"/casework/events/{future.pk}/", {"outcome": "attended"}
    )
    assert response.status_code == 400 and "future event" in response.content.decode()
    future.refresh_from_db()
    assert future.outcome == ""


def test_directions_over_a_barrier_are_refused_on_the_page(scene, removals_officer, person):
    data = {
        "route": "deportation",
        **_date("planned_for", TODAY + timedelta(days=5)),
        "escorts": "2",
    }
    response = signed_in(removals_officer).post(f"/casework/people/{person.pk}/directions/", data)
    assert (
        response.status_code == 400
        and "No travel document".lower() in response.content.decode().lower()
    )
    assert not RemovalDirection.objects.exists()


def test_a_failed_removal_for_jr_is_counted_by_reason_on_the_mi_page(
    owner, removals_officer, manager, person
):
    with clock.frozen(NOW):
        direction = services.removal_directions_set(
            actor=removals_officer,
            person=person,
            route="deportation",
            planned_for=TODAY + timedelta(days=1),
        )
    with clock.frozen(NOW + timedelta(days=1)):
        response = signed_in(removals_officer).post(
            f"/casework/removals/{direction.pk}/outcome/",
            {"removed": "no", "failure_reason": "judicial_review", "note": "Injunction granted"},
        )
        assert response.status_code == 302
        assert Barrier.objects.get(person=person).barrier_type == "judicial_review"
        page = signed_in(manager).get("/casework/figures/").content.decode()
    row = page.split('id="reason-judicial_review"')[1].split("</tr>")[0]
    assert "Judicial review lodged after directions set" in row and ">1<" in row.replace(" ", "")


def test_removals_and_gatekeeping_pages(scene, removals_officer, owner, person):
    services.etd_record(
        actor=owner, person=person, country="JAM", status="submitted", applied_on=TODAY
    )
    client = signed_in(removals_officer)
    page = client.get("/casework/figures/").content.decode()
    assert "Jamaica" in page and "Submitted to the embassy" in page
    assert client.get("/casework/removals/").status_code == 200
    assert client.get(f"/casework/charters/{scene['charter'].pk}/").status_code == 200
    assert client.get("/casework/charters/new/").status_code == 200
    assert client.get("/casework/figures/").status_code == 200
    assert client.get("/casework/figures.csv").status_code == 200


def test_centre_staff_see_the_people_who_report_at_their_centre_and_no_one_else(
    scene, teams, person, centre_officer
):
    from waymark.people.selectors import person_can_view

    other_centre = user_make("reporting_centre", teams["other_centre"])
    assert person_can_view(centre_officer, person)
    assert not person_can_view(other_centre, person)
    ReportingRestriction.objects.filter(person=person).update(
        ends_on=TODAY - timedelta(days=40), starts_on=TODAY - timedelta(days=100)
    )
    assert not person_can_view(centre_officer, person)


def test_intake_sees_people_awaiting_its_checks(frozen, teams, owner):
    from waymark.casework.tests.conftest import person_make
    from waymark.people.selectors import person_can_view

    unowned = person_make(None, None, family_name="Unowned")
    assert not person_can_view(owner, unowned)
    referral = services.referral_create(actor=None, person=unowned)
    assert person_can_view(owner, unowned)
    assert signed_in(owner).get(f"/casework/referrals/{referral.pk}/").status_code == 200


def test_the_centre_finds_the_person_at_the_counter_and_records_attended_in_one_step(
    frozen, owner, centre_officer, person, teams
):
    """Search the day's list by name or reference; "Attended" records the outcome at once
    (issue 16, problem 10)."""
    restriction_make(owner, person, teams["centre"])
    event = ReportingEvent.objects.get(person=person, due_on=TODAY)
    client = signed_in(centre_officer)
    base = f"/casework/centre/?centre={teams['centre'].pk}&day={TODAY.isoformat()}"
    found = client.get(base + f"&q={person.family_name[:4]}").content.decode()
    assert person.full_name in found and f"/casework/events/{event.pk}/attended/" in found
    assert person.full_name in client.get(base + f"&q={person.reference}").content.decode()
    nobody = client.get(base + "&q=Zzyzx").content.decode()
    assert person.full_name not in nobody and "matches “Zzyzx”" in nobody
    response = client.post(f"/casework/events/{event.pk}/attended/")
    assert response.status_code == 302 and response["Location"] == base
    event.refresh_from_db()
    assert event.outcome == "attended" and event.outcome_recorded_by == centre_officer
    assert client.get(f"/casework/events/{event.pk}/attended/").status_code == 405


def test_the_centre_day_is_chosen_with_the_gov_uk_date_input_and_times_read_the_same_way(
    frozen, owner, centre_officer, person, teams
):
    """Day, month and year boxes (not a native date picker writing 12/02/2026), a clear
    message for a date that is not real, and the reporting window as '9am' like every other
    time in Waymark (issue 16, problem 10)."""
    restriction_make(owner, person, teams["centre"])
    client = signed_in(centre_officer)
    base = f"/casework/centre/?centre={teams['centre'].pk}"
    page = client.get(
        f"{base}&day-0={TODAY.day}&day-1={TODAY.month}&day-2={TODAY.year}"
    ).content.decode()
    assert 'type="date"' not in page and 'name="day-0"' in page and person.full_name in page
    assert re.search(r"\d{1,2}(:\d\d)?(am|pm)|midday", page)
    assert not re.search(r">\s*\d\d:\d\d for", page)  # never "09:00 for 60 min"
    wrong = client.get(f"{base}&day-0=31&day-1=2&day-2={TODAY.year}").content.decode()
    assert "The date must be a real date" in wrong and "govuk-input--error" in wrong
    partial = client.get(f"{base}&day-0=3&day-1=&day-2={TODAY.year}").content.decode()
    assert "must include a day, month and year" in partial


def _cells(row: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


def _tab_history(page: str) -> list[tuple[str, str]]:
    """The casework tab's past events as a reader sees them: (when, outcome)."""
    table = page.split("Past reporting events", 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S)
    return [(cells[0], cells[-1].lower()) for cells in map(_cells, rows)]


def _timeline_reporting(page: str) -> list[tuple[str, str]]:
    """The person's timeline entries about reporting events: (when, outcome)."""
    items = re.findall(
        r'<h2 class="moj-timeline__title">(.*?)</h2>.*?<time datetime="[^"]*">(.*?)</time>',
        page,
        re.S,
    )
    titles = [(" ".join(re.sub(r"<[^>]+>", " ", t).split()), when) for t, when in items]
    return [(when, t.split(": ", 1)[1]) for t, when in titles if t.startswith("Reporting event")]


def test_the_casework_tab_and_the_timeline_tell_one_reporting_history(
    frozen, owner, centre_officer, person, teams
):
    """Issue 16 problem 8: the tab and the timeline agree on which events happened and when. An
    attendance recorded at the counter is dated when it was recorded, inside the window; a no-show,
    or an attendance written up after the window, at the window's opening."""
    with clock.frozen(NOW - timedelta(days=21)):
        restriction_make(owner, person, teams["centre"])  # 10am for 60 minutes, weekly
    days = [TODAY - timedelta(days=n) for n in (21, 14, 7, 0)]
    recordings = [
        (days[0], NOW - timedelta(days=21) + timedelta(minutes=25), "attended"),
        (days[1], NOW - timedelta(days=14) + timedelta(minutes=100), "no_show"),
        (days[2], NOW - timedelta(days=6, hours=1), "attended"),  # written up the next morning
        (days[3], NOW + timedelta(minutes=20), "attended"),  # today, at the counter
    ]
    for day, at, outcome in recordings:
        with clock.frozen(at):
            services.event_outcome_record(
                actor=centre_officer,
                event=ReportingEvent.objects.get(person=person, due_on=day),
                outcome=outcome,
            )
    with clock.frozen(NOW + timedelta(minutes=30)):
        client = signed_in(owner)
        tab = client.get(f"/casework/people/{person.pk}/").content.decode()
        timeline = client.get(f"/people/{person.pk}/timeline/").content.decode()
    expected = [
        ("18 November 2026, 10:20am", "attended"),
        ("11 November 2026, 10am", "attended"),
        ("4 November 2026, 10am", "did not attend (no show)"),
        ("28 October 2026, 10:25am", "attended"),
    ]
    assert _tab_history(tab) == expected
    assert _timeline_reporting(timeline) == expected
    assert "last reported 18 November 2026, 10:20am" in tab
    upcoming = tab.split("Next events", 1)[1].split("Past events", 1)[0]
    assert "18 November 2026" not in upcoming and "25 November 2026" in upcoming
