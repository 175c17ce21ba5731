"""The field notebook with no signal (issue 5 "Must show"): at a 360 x 740 phone viewport an
assigned officer opens the field page, the network goes off, they record an arrival, an entry by
informed consent and a seizure, see them waiting to be sent, the network comes back, the queue
empties, and each entry is stored exactly once with the phone's time from when it was written
(not the time it was sent). axe-core on the field page and an entry form."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
PLACE = {"latitude": 51.5155, "longitude": -0.0722, "accuracy": 10}


@pytest.fixture
def field_data():
    from waymark.accounts.models import Team
    from waymark.accounts.services import roles_sync
    from waymark.core import clock
    from waymark.operations import models as m
    from waymark.operations.tests.conftest import premises_make, user_make, visit_deployed_make

    roles_sync()
    team = Team.objects.create(slug="ice-offline", name="ICE Offline", unit="ICE")
    sector = m.Sector.objects.create(key="offline-restaurants", name="Restaurants (offline test)")
    oic = user_make("officer_in_charge", team, arrest_trained=True)
    officer = user_make("field_officer", team, arrest_trained=True)
    visit = visit_deployed_make(
        team, premises_make(sector), oic, [officer], deployed_at=clock.now() - timedelta(minutes=10)
    )
    return {"visit": visit, "officer": officer}


def _queue(page) -> list[dict]:
    return page.evaluate("() => JSON.parse(localStorage.getItem('waymark:field-queue:v1') || '[]')")


def _waiting(page) -> str:
    return page.locator("[data-field-queue-count]").inner_text()


@pytest.fixture
def signal(monkeypatch):
    """Whether a request from the phone can reach Waymark: while ``up`` is false the field-entry
    endpoints answer 503 and store nothing, as if the request had never arrived."""
    from rest_framework.response import Response

    from waymark.operations.api import field as field_api

    state = {"up": True, "refused": 0}
    for view in (field_api.FieldEntryCreateView, field_api.FieldEntryBatchView):

        def post(self, request, _original=view.post):
            if not state["up"]:
                state["refused"] += 1
                return Response(status=503)
            return _original(self, request)

        monkeypatch.setattr(view, "post", post)
    return state


def test_entries_recorded_offline_are_stored_once_with_their_original_time(
    browser, live_server, field_data, signal
):
    from waymark.operations.models import FieldEntry

    base, visit = live_server.url, field_data["visit"]
    field_url = f"{base}/operations/visits/{visit.pk}/field/"
    context = browser.new_context(
        viewport=PHONE, bypass_csp=True, geolocation=PLACE, permissions=["geolocation"]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, base, field_data["officer"].username)
        page.goto(field_url)
        # The page has kept itself and its forms for offline use, and the service worker controls it.
        page.wait_for_function("""() => {
            const root = document.querySelector('[data-module="waymark-field-offline"]')
            return root && !root.hidden && root.dataset.offlineReady === 'true'
        }""")
        page.reload()
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        assert "Waiting to be sent: 0" in _waiting(page)
        assert_accessible(page, "the field page")
        page.goto(f"{field_url}entry/")
        assert_accessible(page, "the entry form")
        page.goto(field_url)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")

        # No signal. Chromium's offline emulation reaches a freshly loaded document a moment after it
        # starts, and a request a page sends in that moment goes out through the service worker
        # where neither the emulation nor a route can stop it; no phone without signal can do that,
        # so the server side of "no signal" answers such a request as an unreachable network would
        # leave it: not stored, the entry kept on the phone.
        signal["up"] = False
        context.set_offline(True)
        page.wait_for_function("() => navigator.onLine === false")

        # 1. Arrival: the officer's own button on the field page.
        page.get_by_role("button", name="I have arrived").click()
        page.wait_for_function(
            "() => JSON.parse(localStorage.getItem('waymark:field-queue:v1') || '[]').length === 1"
        )
        assert page.get_by_role(
            "button", name="I have departed"
        ).is_visible()  # the button offers the next step
        time.sleep(1.1)

        # 2. Entry by informed consent: the form page opens from the kept copy.
        page.get_by_role("button", name="Entry to premises").click()
        page.wait_for_url(f"{field_url}entry/")
        page.check("input[name=achieved][value=yes]")
        page.check("input[name=power][value=informed_consent]")
        page.fill("input[name=consent_given_by]", "Mr Li")
        page.fill("input[name=consent_given_by_role]", "Manager")
        page.check("input[name=told_could_refuse]")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(field_url)
        time.sleep(1.1)

        # 3. A seizure with its exhibit and sealed-bag numbers.
        page.get_by_role("button", name="Seizure").click()
        page.wait_for_url(f"{field_url}seizure/")
        page.fill("input[name=searched]", "Staff room lockers")
        page.fill("input[name=search_power]", "Section 25B Immigration Act 1971")
        page.fill("input[name=item_description]", "Passport")
        page.fill("input[name=exhibit_number]", "XL/1")
        page.fill("input[name=sealed_bag_number]", "S0012345")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(field_url)

        assert "Waiting to be sent: 3" in _waiting(page)
        listed = page.locator("[data-field-queue-list] li").all_inner_texts()
        assert [text.split(" ", 1)[1] for text in listed] == [
            "Record your arrival",
            "Entry to the premises",
            "Search and seizure",
        ]
        queued = {item["client_uuid"]: item for item in _queue(page)}
        assert len(queued) == 3 and all(
            item["latitude"] == PLACE["latitude"] for item in queued.values()
        )
        assert FieldEntry.objects.filter(visit=visit).count() == 0

        time.sleep(2)  # a gap between writing the entries and the signal coming back
        went_online = datetime.now().astimezone()
        signal["up"] = True
        context.set_offline(False)
        page.wait_for_function(
            "() => document.querySelector('[data-field-queue-count]').textContent"
            ".includes('Waiting to be sent: 0')",
            timeout=30_000,
        )
        assert _queue(page) == []

        stored = list(FieldEntry.objects.filter(visit=visit).order_by("recorded_at"))
        assert [entry.entry_type for entry in stored] == ["arrival", "entry", "seizure"]
        for entry in stored:
            phone_time = datetime.fromisoformat(
                queued[str(entry.client_uuid)]["recorded_at"].replace("Z", "+00:00")
            )
            assert FieldEntry.objects.filter(client_uuid=entry.client_uuid).count() == 1
            assert abs(entry.recorded_at - phone_time) < timedelta(milliseconds=1)
            assert entry.received_at >= went_online - timedelta(milliseconds=500)
            assert entry.received_at - entry.recorded_at >= timedelta(seconds=2)
            assert entry.sent_offline and entry.latitude == PLACE["latitude"]
        assert (
            stored[1].entry_record.consent_given_by == "Mr Li"
            and stored[1].entry_record.told_could_refuse
        )
        assert (
            stored[2].seizure.exhibit_number == "XL/1"
            and stored[2].seizure.sealed_bag_number == "S0012345"
        )

        # Back online, the field page lists them from the server.
        page.goto(field_url)
        assert "Seized Passport (exhibit XL/1, bag S0012345)" in page.content()
        # Let the page finish keeping its forms for offline use, so no request of it is still
        # running on the server while the test database is emptied.
        page.wait_for_function("""() => {
            const root = document.querySelector('[data-module="waymark-field-offline"]')
            return root && root.dataset.offlineReady === 'true'
        }""")
    finally:
        context.close()


def test_a_deployed_visit_s_page_leads_to_the_field_and_to_closure(page, live_server, field_data):
    """A deployed visit's page says it is in the field and links to the field page, who is
    where, the debrief and closure, never a 'Ready to deploy?' checklist (issue 16, problem 7);
    at 360 px too."""
    base, visit = live_server.url, field_data["visit"]
    sign_in(page, base, field_data["officer"].username)
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{base}/operations/visits/{visit.pk}/")
        assert page.get_by_role("heading", name="In the field").is_visible()
        assert page.get_by_role("heading", name="Ready to deploy?").count() == 0
        for name in ("Open the visit in the field", "See who is where", "Close the visit"):
            assert page.get_by_role("link", name=name).is_visible(), name
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert_accessible(page, f"deployed visit at {width}px")
    page.get_by_role("link", name="Open the visit in the field").click()
    page.wait_for_url(f"{base}/operations/visits/{visit.pk}/field/")
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")  # the field page keeps syncing: leave it before the data is flushed
