"""Sign in → search → person → get next → complete, in a real browser, accessible at each step."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.browser.conftest import axe_serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password-123"


@pytest.fixture
def journey_data():
    from django.contrib.auth.models import Group

    from waymark.accounts.models import Team, User
    from waymark.accounts.services import roles_sync
    from waymark.people import services as people_services
    from waymark.work import services as work_services
    from waymark.work.models import Queue

    roles_sync()
    team = Team.objects.create(slug="journey-team", name="Criminal casework Croydon")
    user = User.objects.create_user(
        username="case.owner", password=PASSWORD, first_name="Casey", last_name="Owner", grade="EO"
    )
    user.teams.add(team)
    user.groups.add(Group.objects.get(name="case_owner"))
    person = people_services.person_create(
        actor=None,
        given_names="Amir",
        family_name="Haddad",
        date_of_birth=date(1990, 5, 17),
        nationalities=("SYR",),
        owning_team=team,
    )
    queue = Queue.objects.create(slug="journey-queue", name="Casework", team=team)
    task = work_services.task_create(
        actor=None,
        task_type="general.enquiry",
        title="Reply to the solicitor's letter",
        person=person,
        queue=queue,
    )
    return {"user": user, "person": person, "task": task}


def _assert_accessible(page, where: str) -> None:
    problems = axe_serious(page)
    assert problems == [], f"axe on {where}: {problems}"


def _sign_in(page, base: str) -> None:
    page.goto(base + "/")
    assert "/accounts/sign-in/" in page.url
    _assert_accessible(page, "sign in")
    page.fill("input[name=username]", "case.owner")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def test_sign_in_search_person_get_next_and_complete(page, live_server, journey_data):
    base = live_server.url
    _sign_in(page, base)
    _assert_accessible(page, "home")

    page.goto(base + "/people/")
    page.fill("input[name=name]", "Amir Hadad")  # misspelt: the search is fuzzy
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    _assert_accessible(page, "search results")
    page.get_by_role("link", name=re.compile("Haddad", re.I)).first.click()
    page.wait_for_url(re.compile(rf"/people/{journey_data['person'].pk}/$"))
    assert "Haddad".upper() in page.locator(".moj-identity-bar").inner_text().upper()
    _assert_accessible(page, "person page")

    page.goto(base + "/")
    page.get_by_role("button", name="Get next task").click()
    page.wait_for_url(re.compile(rf"/work/tasks/{journey_data['task'].pk}/$"))
    assert "Reply to the solicitor" in page.content()
    _assert_accessible(page, "task page")

    # Completing the task is the page's main action, on the page (not inside a details element).
    assert page.get_by_role("heading", name="Complete this task").is_visible()
    page.fill("input[name=complete-outcome]", "Replied by letter")
    page.get_by_role("button", name="Complete task").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-tag", has_text="Done").count() >= 1
    journey_data["task"].refresh_from_db()
    assert journey_data["task"].status == "done"


def test_get_next_works_by_keyboard_alone(page, live_server, journey_data):
    base = live_server.url
    _sign_in(page, base)
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.innerText || ''")
        if "Get next task" in focused:
            break
    else:
        pytest.fail("Tab never reached the Get next task button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/work/tasks/{journey_data['task'].pk}/$"))


@pytest.mark.parametrize("path", ["/people/?name=Haddad&search=1", "person", "/"])
def test_pages_fit_a_360px_screen(page, live_server, journey_data, path):
    base = live_server.url
    _sign_in(page, base)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(base + (f"/people/{journey_data['person'].pk}/" if path == "person" else path))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width}px wide at 360px"
    _assert_accessible(page, f"{path} at 360px")


UNREACHABLE_SCROLL_AREAS = """() => [...document.querySelectorAll('table.govuk-table')].map((table) => {
  const parent = table.parentElement
  const area = parent.classList.contains('wm-table-scroll') ? parent : table
  return {overflows: area.scrollWidth > area.clientWidth + 1,
          focusable: area.getAttribute('tabindex') === '0',
          label: area.getAttribute('aria-label') || '',
          caption: (table.caption && table.caption.textContent.trim()) || ''}
}).filter((area) => area.overflows && (!area.focusable || !area.label))"""


@pytest.mark.parametrize("path", ["/", "queue"])
def test_a_table_wider_than_a_phone_scrolls_in_a_labelled_focusable_area(
    page, live_server, journey_data, path
):
    """At 360 px a wide table scrolls inside its own area, which keyboard users can reach and
    which says what it is (issue 16, problem 9)."""
    base = live_server.url
    _sign_in(page, base)
    page.set_viewport_size({"width": 360, "height": 800})
    target = f"/work/queues/{journey_data['task'].queue.slug}/" if path == "queue" else path
    page.goto(base + target)
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate(UNREACHABLE_SCROLL_AREAS) == []
    # A table wider than the phone (as a long list's is): its area becomes reachable and labelled.
    page.evaluate("""() => {
      const wrapper = document.createElement('div')
      wrapper.className = 'wm-table-scroll'
      wrapper.innerHTML = '<table class="govuk-table"><caption class="govuk-table__caption">Wide' +
        ' list</caption><tbody class="govuk-table__body"><tr class="govuk-table__row">' +
        '<td class="govuk-table__cell">Column</td>'.repeat(12) + '</tr></tbody></table>'
      document.querySelector('main').appendChild(wrapper)
      wrapper.querySelector('table').style.minWidth = '900px'
    }""")
    page.set_viewport_size({"width": 359, "height": 800})  # a real resize: the check runs again
    page.wait_for_function(
        "document.querySelector('main > .wm-table-scroll:last-child').dataset.waymarkScrolls",
        timeout=3000,
    )
    assert page.evaluate(UNREACHABLE_SCROLL_AREAS) == []
    area = page.locator("main > .wm-table-scroll:last-child")
    assert area.get_attribute("aria-label") == "Wide list (scrolls sideways)"
    assert area.get_attribute("tabindex") == "0"
    _assert_accessible(page, f"{target} at 360px")


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_a_queue_s_tasks_are_reachable_and_its_filter_toggles_at_every_width(
    page, live_server, journey_data, width
):
    """The queue's filter is MOJ's toggled panel: closed, the list has the full width and its
    tasks can be reached (never under a full-screen overlay); 'Show filter' opens it and 'Close'
    or 'Hide filter' puts it away (issue 16, problem 1)."""
    base = live_server.url
    _sign_in(page, base)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{base}/work/queues/{journey_data['task'].queue.slug}/")
    task_link = page.get_by_role("link", name="Reply to the solicitor's letter")
    panel = page.locator(".moj-filter-layout__filter")
    toggle = page.get_by_role("button", name="Show filter")
    assert panel.is_hidden() and toggle.is_visible()
    task_link.scroll_into_view_if_needed()
    box = task_link.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    # Nothing covers the link: the element at the middle of its first line is the link itself.
    assert task_link.evaluate("""(link) => {
      const r = link.getClientRects()[0]
      return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2).closest('a') === link
    }""")
    table = page.locator("table.govuk-table").bounding_box()
    content = page.locator(".moj-filter-layout").bounding_box()
    assert table and content and table["width"] >= min(content["width"], 600) - 2
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    toggle.click()
    assert panel.is_visible()
    assert page.get_by_role("button", name="Hide filter").get_attribute("aria-expanded") == "true"
    _assert_accessible(page, f"queue with its filter open at {width}px")
    if width < 769:
        page.get_by_role("button", name="Close").click()
    else:
        page.get_by_role("button", name="Hide filter").click()
    assert panel.is_hidden()
    _assert_accessible(page, f"queue at {width}px")


def test_add_a_person_lands_on_the_new_record(page, live_server, journey_data):
    """Add a person: the owning team is the maker's by default, and saving opens the new record
    (it used to say 'Success' above 'Page not found'); an implausible name is refused first
    (issue 16, problem 2)."""
    from waymark.people.models import Person

    base = live_server.url
    _sign_in(page, base)
    page.goto(base + "/people/new/")
    _assert_accessible(page, "add a person")
    assert page.locator("select[name=owning_team] option:checked").inner_text() == (
        "Criminal casework Croydon"
    )
    page.fill("input[name=given_names]", "Leyla")
    page.fill("input[name=family_name]", "12345")
    page.fill("input[name=date_of_birth_0]", "4")
    page.fill("input[name=date_of_birth_1]", "7")
    page.fill("input[name=date_of_birth_2]", "1991")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    _assert_accessible(page, "add a person with an error")
    page.fill("input[name=family_name]", "Karimi")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    if page.get_by_role("button", name=re.compile("None of these is the person")).count():
        page.get_by_role("button", name=re.compile("None of these is the person")).click()
        page.wait_for_load_state()
    person = Person.objects.get(family_name__iexact="Karimi")
    assert page.url.rstrip("/").endswith(f"/people/{person.pk}")
    assert page.get_by_role("heading", level=1).inner_text().upper().startswith("LEYLA")
    assert "Page not found" not in page.content()
    _assert_accessible(page, "the new record")


def test_get_next_then_the_task_s_subject(page, live_server, journey_data):
    """Get next opens the task, whose page leads straight to what it is about (issue 16,
    problem 4): here the person the task concerns; then back to the task to complete it."""
    base = live_server.url
    _sign_in(page, base)
    page.get_by_role("button", name="Get next task").click()
    page.wait_for_url(re.compile(rf"/work/tasks/{journey_data['task'].pk}/$"))
    subject = page.locator("[data-task-subject] a").first
    assert subject.is_visible()
    subject.click()
    page.wait_for_load_state()
    assert f"/people/{journey_data['person'].pk}/" in page.url
    _assert_accessible(page, "the task's subject")
    # Back to the task, and complete it: the page's main action.
    page.go_back()
    page.wait_for_url(re.compile(rf"/work/tasks/{journey_data['task'].pk}/$"))
    page.fill("input[name=complete-outcome]", "Checked the record and replied")
    page.get_by_role("button", name="Complete task").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-tag", has_text="Done").count() >= 1
    journey_data["task"].refresh_from_db()
    assert journey_data["task"].status == "done"
