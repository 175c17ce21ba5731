"""Quality assurance in a real browser (issue 20 item 1, "Must show"): the assurance team draws a
sample → a second-line review rates an item red with a coded reason and a correction to make →
the person whose work it was disputes the rating → another assurance officer decides the dispute
(the rating stands) → the person has a learning item and a corrective task. axe-core on every
page at 1280 px, and the review and draw pages at 360 px.

The kind of work is registered by the test (``waymark.core.assurance``, the live server runs in
this process), so the journey needs no other module's data."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2026, 11, 18, 10, 0)
KIND = "tests.browser_decision"


@pytest.fixture
def qa_world(settings):
    from django.contrib.auth.models import Group

    from waymark.accounts.models import Team, User
    from waymark.accounts.services import roles_sync
    from waymark.core import assurance
    from waymark.core.assurance import WorkItem, WorkKind
    from waymark.oversight.services import qa as services

    settings.WAYMARK_FROZEN_TIME = START.isoformat()
    roles_sync()
    team = Team.objects.get_or_create(slug="ice-qa", defaults={"name": "Immigration enforcement"})[
        0
    ]
    users = {}
    for username, role, last in (
        ("qa.checker", "assurance", "Checker"),
        ("qa.decider", "assurance", "Decider"),
        ("qa.officer", "em_caseworker", "Officer"),
    ):
        user = User.objects.create_user(
            username=username, password=PASSWORD, first_name="Sam", last_name=last
        )
        user.teams.add(team)
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    officer = users["qa.officer"]
    items = [
        WorkItem(id=n, worker_id=officer.pk, team_id=team.pk, on=date(2026, 11, 2 + n % 5))
        for n in range(1, 21)
    ]
    assurance.register_work_kind(
        WorkKind(
            KIND,
            "Breach decision (test)",
            "tests",
            lambda s, e: [i for i in items if s <= i.on <= e],
        )
    )
    services.checklist_new_version(
        actor=users["qa.checker"],
        kind_key=KIND,
        title="Breach decision",
        questions=[
            {
                "code": "mitigation",
                "text": "Was the person's explanation weighed?",
                "weight": 3,
                "failure_reasons": [["explanation_ignored", "Explanation not weighed"]],
            },
            {
                "code": "communicated",
                "text": "Was the decision communicated?",
                "weight": 1,
                "failure_reasons": [["not_recorded", "Not recorded"]],
            },
        ],
    )
    services.rule_create(
        actor=users["qa.checker"],
        name="Breach decisions: a quarter",
        kind_key=KIND,
        method="random",
        rate_percent="25",
        monthly_cap=50,
    )
    yield {"team": team, **users}
    assurance._KINDS.pop(KIND, None)


def test_draw_review_red_dispute_decided_learning_and_correction(browser, live_server, qa_world):
    from waymark.oversight.models import LearningItem, QADispute, QAReview, SampleDraw
    from waymark.work.models import Task

    base = live_server.url
    officer = qa_world["qa.officer"]

    # The assurance team draws this month's sample.
    checker = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True
    ).new_page()
    sign_in(checker, base, "qa.checker")
    checker.goto(base + "/oversight/qa/")
    assert_accessible(checker, "QA home")
    checker.get_by_role("link", name="Draw a sample for Breach decisions: a quarter").click()
    assert_accessible(checker, "draw form")
    for prefix, day in (("period_start", "1"), ("period_end", "17")):
        checker.fill(f"input[name={prefix}_0]", day)
        checker.fill(f"input[name={prefix}_1]", "11")
        checker.fill(f"input[name={prefix}_2]", "2026")
    checker.get_by_role("button", name="Draw the sample").click()
    checker.wait_for_url("**/oversight/qa/draws/*/")
    assert "Same items" in checker.content()
    assert_accessible(checker, "draw")
    draw = SampleDraw.objects.get()
    assert len(draw.drawn) == 5 and draw.population_count == 20
    checker.set_viewport_size({"width": 360, "height": 800})
    assert_accessible(checker, "draw at 360px")
    checker.set_viewport_size({"width": 1280, "height": 900})

    # A second-line review rates the first item red, with a coded reason and a correction.
    checker.locator("table a.govuk-link").first.click()
    assert_accessible(checker, "sampled item")
    checker.get_by_role("link", name="Second-line review").click()
    assert_accessible(checker, "review form")
    review_form = checker.locator("form[method=post]")
    review_form.get_by_role("button", name="Record the review").click()
    assert "There is a problem" in checker.content()  # nothing rated: refused, nothing saved
    assert not QAReview.objects.exists()
    questions = checker.locator("input[type=radio][value=red]")
    names = [questions.nth(i).get_attribute("name") for i in range(questions.count())]
    checker.check(f"input[name={names[0]}][value=red]")
    checker.check(f"input[name={names[0]}_reasons][value=explanation_ignored]")
    checker.check(f"input[name={names[1]}][value=green]")
    checker.fill("textarea[name=feedback]", "The explanation about the charger was not weighed.")
    checker.fill("textarea[name=corrective_action]", "Reconsider the breach with the explanation.")
    checker.get_by_role("button", name="Record the review").click()
    checker.wait_for_url("**/oversight/qa/reviews/*/")
    assert "Explanation not weighed" in checker.content()
    assert_accessible(checker, "review")
    review = QAReview.objects.get()
    assert review.rating == "red" and review.line == "second"

    # The officer whose work it was disputes the rating.
    own = browser.new_context(viewport={"width": 360, "height": 800}, bypass_csp=True).new_page()
    sign_in(own, base, "qa.officer")
    own.goto(base + "/oversight/qa/mine/")
    assert_accessible(own, "my reviews at 360px")
    own.locator("table a.govuk-link").first.click()
    assert_accessible(own, "own review at 360px")
    assert own.evaluate("document.documentElement.scrollWidth") <= 360
    own.get_by_role("link", name="Dispute the review").click()
    own.fill("textarea[name=grounds]", "The explanation was weighed; it is in the case notes.")
    assert_accessible(own, "dispute form at 360px")
    own.get_by_role("button", name="Send the dispute").click()
    own.wait_for_url(f"**/oversight/qa/reviews/{review.pk}/")
    assert "Waiting for a decision" in own.content()

    # Another assurance officer (not the reviewer) decides: the rating stands.
    decider = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True
    ).new_page()
    sign_in(decider, base, "qa.decider")
    decider.goto(base + f"/oversight/qa/reviews/{review.pk}/")
    decider.get_by_role("link", name="Decide the dispute").click()
    assert_accessible(decider, "decide form")
    decider.check("input[name=outcome][value=rejected]")
    decider.fill("textarea[name=reasons]", "The case notes do not mention the charger.")
    decider.get_by_role("button", name="Record the decision").click()
    decider.wait_for_url(f"**/oversight/qa/reviews/{review.pk}/")
    assert "Not upheld" in decider.content()
    assert_accessible(decider, "decided review")

    dispute = QADispute.objects.get()
    assert dispute.outcome == "rejected" and dispute.decided_by == qa_world["qa.decider"]
    review.refresh_from_db()
    assert review.final_rating == "red"
    learning = LearningItem.objects.get(user=officer)
    assert learning.status == "open" and "Explanation not weighed" in learning.text
    task = Task.objects.get(pk=review.corrective_task_id)
    assert task.task_type == "oversight.qa_correct" and task.assignee_id == officer.pk
    assert task.status == "open"
