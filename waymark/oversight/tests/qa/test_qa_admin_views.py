"""Quality assurance's editing pages (issue 20 item 1, part 2): every role on every new page; the
rule page's discontinue banner, detection table and history; changing a rule and resuming
discontinued sampling from the pages; the checklist editor (add, remove, reorder, save a new
version) and its refusals (GOV.UK error summary, nothing saved); the versions page's diff."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from waymark import testing
from waymark.accounts.roles import ROLES
from waymark.oversight import permissions as perms
from waymark.oversight.models import Checklist, QALevelEvent, SamplingRule
from waymark.oversight.selectors import qa as sel
from waymark.oversight.services import qa as services
from waymark.oversight.tests.qa.support import KIND, answers, fill

pytestmark = pytest.mark.usefixtures("frozen")
START = date(2026, 6, 1)


@pytest.fixture
def stopped(kind_items, qa_team, worker, qa_assurance, checklist):
    """An adaptive rule discontinued by 7 red lots, one a week."""
    rule = services.rule_create(
        actor=qa_assurance,
        name="Decisions adaptive",
        kind_key=KIND,
        method="adaptive",
        rate_percent="10",
        tightened_percent="20",
    )
    n = 1
    for week in range(7):
        day = START + timedelta(days=7 * week)
        n = fill(kind_items, start=day, days=1, per_day=10, worker=worker, team=qa_team, first_id=n)
        draw = services.sample_draw(actor=qa_assurance, rule=rule, period_start=day, period_end=day)
        for item in draw.items.all():
            services.review_record(
                actor=qa_assurance, item=item, line="second", answers=answers(checklist, "red")
            )
    assert sel.rule_level(rule)[0] == "discontinued"
    return rule


def _pages(rule):
    return {
        "rule": (perms.QA_VIEW, reverse("oversight:qa-rule", args=[rule.pk])),
        "rule-change": (perms.QA_CONFIGURE, reverse("oversight:qa-rule-change", args=[rule.pk])),
        "rule-resume": (perms.QA_CONFIGURE, reverse("oversight:qa-rule-resume", args=[rule.pk])),
        "rule-end": (perms.QA_CONFIGURE, reverse("oversight:qa-rule-end", args=[rule.pk])),
        "checklist-edit": (perms.QA_CONFIGURE, reverse("oversight:qa-checklist-edit", args=[KIND])),
        "checklist-history": (
            perms.QA_VIEW,
            reverse("oversight:qa-checklist-history", args=[KIND]),
        ),
    }


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_every_editing_page(role_key, qa_team, stopped, client):
    user = testing.user_make(role_key, qa_team)
    client.force_login(user)
    for name, (permission, url) in _pages(stopped).items():
        response = client.get(url)
        expected = 200 if user.has_perm(permission) else 403
        assert response.status_code == expected, (role_key, name, response.status_code)
        if permission == perms.QA_CONFIGURE:
            # Posting is refused the same way, and changes nothing.
            assert client.post(url, {}).status_code in ((400, 200) if expected == 200 else (403,))
    assert SamplingRule.objects.count() == 1 and not QALevelEvent.objects.exists()


def test_only_the_assurance_team_edits():
    from waymark.oversight.permissions import ROLE_PERMISSIONS

    editors = sorted(r for r, grants in ROLE_PERMISSIONS.items() if perms.QA_CONFIGURE in grants)
    assert editors == ["assurance"]


def test_unknown_rules_and_kinds_are_not_found(qa_assurance, stopped, client):
    client.force_login(qa_assurance)
    assert client.get(reverse("oversight:qa-rule", args=[99999])).status_code == 404
    assert (
        client.get(reverse("oversight:qa-checklist-history", args=["no.kind"])).status_code == 404
    )
    assert client.get(reverse("oversight:qa-checklist-edit", args=["no.kind"])).status_code == 404


def test_the_rules_page_and_the_rule_page_show_the_discontinuance(stopped, qa_assurance, client):
    client.force_login(qa_assurance)
    home = client.get(reverse("oversight:qa-home")).content.decode()
    assert "Sampling is discontinued under 1 rule" in home
    assert reverse("oversight:qa-rule", args=[stopped.pk]) in home
    page = client.get(reverse("oversight:qa-rule", args=[stopped.pk]) + "?weeks=6&error=7")
    text = page.content.decode()
    assert "Sampling is discontinued" in text and "Record the corrective action" in text
    assert "within 6 weeks" in text and "7% faulty" in text
    # An analyst sees the banner but not the link to act on it.
    analyst = testing.user_make("performance_analyst")
    client.force_login(analyst)
    text = client.get(reverse("oversight:qa-rule", args=[stopped.pk])).content.decode()
    assert "Sampling is discontinued" in text and "Record the corrective action" not in text


def test_the_rule_page_shows_the_chance_of_detection(stopped, qa_assurance, client):
    """1 - (1 - p)^(weekly sample x weeks): here every item is sampled (discontinued), the
    weekly volume is the last 28 days' population a week."""
    client.force_login(qa_assurance)
    row = sel.rule_row(stopped, weeks=4, error_rates=(0.05,))
    expected = 1 - (1 - 0.05) ** (row.weekly_sample * 4)
    assert row.detection == [(0.05, pytest.approx(expected))]
    page = client.get(reverse("oversight:qa-rule", args=[stopped.pk]) + "?weeks=4")
    assert f"{expected:.0%}" in page.content.decode()


def test_the_corrective_action_is_recorded_from_the_page(stopped, qa_assurance, client):
    client.force_login(qa_assurance)
    url = reverse("oversight:qa-rule-resume", args=[stopped.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert "Enter the corrective action taken" in refused.content.decode()
    assert "govuk-error-summary" in refused.content.decode()
    assert not QALevelEvent.objects.exists()
    response = client.post(url, {"reason": "Refresher training for every decision maker"})
    assert response.status_code == 302
    assert sel.rule_level(stopped)[0] == "tightened"
    page = client.get(reverse("oversight:qa-rule", args=[stopped.pk])).content.decode()
    assert "Refresher training for every decision maker" in page
    assert "Sampling is discontinued" not in page
    # Nothing left to resume: the page says so, and a post is refused.
    again = client.post(url, {"reason": "Another corrective action"})
    assert again.status_code == 400 and "not discontinued" in again.content.decode()


def _change_post(**kw):
    data = {
        "name": "Decisions adaptive (eased)",
        "kind_key": KIND,
        "method": "adaptive",
        "rate_percent": "15",
        "monthly_cap": "",
        "tightened_percent": "30",
        "starts_on_0": "1",
        "starts_on_1": "12",
        "starts_on_2": "2026",
        "reason": "A larger team makes more decisions",
    }
    data.update(kw)
    return data


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rate_percent": "101"}, "between 0% and 100%"),
        ({"monthly_cap": "-1"}, "cannot be negative"),
        ({"reason": ""}, "Enter why the rule is changed"),
        ({"starts_on_0": "", "starts_on_1": "", "starts_on_2": ""}, "date"),
    ],
)
def test_a_bad_change_is_refused_on_the_page(stopped, qa_assurance, client, fields, message):
    client.force_login(qa_assurance)
    response = client.post(
        reverse("oversight:qa-rule-change", args=[stopped.pk]), _change_post(**fields)
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text and message in text
    assert SamplingRule.objects.count() == 1
    stopped.refresh_from_db()
    assert stopped.is_active


def test_a_rule_is_changed_from_the_page_and_its_history_shown(stopped, qa_assurance, client):
    client.force_login(qa_assurance)
    form = client.get(reverse("oversight:qa-rule-change", args=[stopped.pk])).content.decode()
    assert 'value="Decisions adaptive"' in form and 'value="10"' in form  # prefilled
    response = client.post(reverse("oversight:qa-rule-change", args=[stopped.pk]), _change_post())
    assert response.status_code == 302
    new = SamplingRule.objects.get(replaces=stopped)
    assert response["Location"] == reverse("oversight:qa-rule", args=[new.pk])
    page = client.get(response["Location"]).content.decode()
    assert "A larger team makes more decisions" in page
    assert "Decisions adaptive (eased)" in page and "30 Nov 2026" in page  # the old one's end
    # The level carried over: still discontinued after the change.
    assert "Sampling is discontinued" in page
    home = client.get(reverse("oversight:qa-home")).content.decode()
    assert "Decisions adaptive (eased)" in home
    assert f'href="{reverse("oversight:qa-rule", args=[stopped.pk])}"' not in home


def _editor_post(questions, *, title="Test decision", action="save"):
    data = {"title": title, "action": action}
    for i, q in enumerate(questions, 1):
        for part in ("code", "area", "text", "guidance", "weight", "reasons"):
            data[f"q{i}_{part}"] = q.get(part, "")
    return data


GOOD = {"text": "Is it lawful?", "weight": "2", "reasons": "unlawful | Not lawful"}


def test_the_editor_starts_from_the_current_version(checklist, qa_assurance, client):
    client.force_login(qa_assurance)
    page = client.get(reverse("oversight:qa-checklist-edit", args=[KIND])).content.decode()
    assert 'value="Are the reasons clear?"' in page
    assert "unclear | Reasons unclear" in page and 'name="q1_code" value="reasons"' in page
    assert "Save as version 2" in page


def test_questions_are_added_removed_and_reordered_without_saving(checklist, qa_assurance, client):
    client.force_login(qa_assurance)
    url = reverse("oversight:qa-checklist-edit", args=[KIND])
    first = {"code": "reasons", "text": "First?", "weight": "1", "reasons": "a | A"}
    second = {"code": "timely", "text": "Second?", "weight": "1", "reasons": "b | B"}
    page = client.post(url, _editor_post([first, second], action="add")).content.decode()
    assert 'name="q3_text"' in page
    page = client.post(url, _editor_post([first, second], action="up:2")).content.decode()
    assert page.index('value="Second?"') < page.index('value="First?"')
    page = client.post(url, _editor_post([first, second], action="remove:1")).content.decode()
    assert 'value="First?"' not in page and 'name="q2_text"' not in page
    assert Checklist.objects.count() == 1


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([], "A checklist needs at least one question"),
        ([GOOD, {**GOOD, "text": ""}], "Enter the text of question 2"),
        ([{**GOOD, "weight": "0"}], "weight must be a whole number of 1 or more"),
        ([{**GOOD, "weight": "-2"}], "weight must be a whole number of 1 or more"),
        ([{**GOOD, "reasons": "late | Late\nlate | Very late"}], "more than once"),
    ],
)
def test_a_bad_checklist_is_refused_on_the_page(
    checklist, qa_assurance, client, questions, message
):
    client.force_login(qa_assurance)
    response = client.post(
        reverse("oversight:qa-checklist-edit", args=[KIND]), _editor_post(questions)
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text and message in text
    assert list(Checklist.objects.values_list("version", flat=True)) == [1]


def test_a_new_version_is_saved_and_the_history_shows_what_changed(
    checklist, qa_assurance, worker, kind_items, qa_team, client
):
    # A review made with version 1 keeps it.
    fill(kind_items, start=START, days=1, per_day=5, worker=worker, team=qa_team)
    rule = services.rule_create(
        actor=qa_assurance, name="All", kind_key=KIND, method="random", rate_percent="100"
    )
    draw = services.sample_draw(actor=qa_assurance, rule=rule, period_start=START, period_end=START)
    review = services.review_record(
        actor=qa_assurance,
        item=draw.items.first(),
        line="second",
        answers=answers(checklist, "green"),
    )
    client.force_login(qa_assurance)
    questions = [
        {"code": "timely", "text": "Was it on time?", "weight": "3", "reasons": "late | Late"},
        {"text": "Is it lawful?", "weight": "2", "reasons": "unlawful | Not lawful"},
    ]
    response = client.post(
        reverse("oversight:qa-checklist-edit", args=[KIND]), _editor_post(questions)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("oversight:qa-checklist-history", args=[KIND])
    review.refresh_from_db()
    assert review.checklist.version == 1
    assert sel.current_checklist(KIND).version == 2
    page = client.get(response["Location"]).content.decode()
    assert "Version 2: Test decision (in use)" in page and "Version 1" in page
    assert "Added</strong> Is it lawful?" in page
    assert "Removed</strong> Are the reasons clear?" in page
    assert "Changed</strong> Was it on time?: weight" in page
    assert "1 review made with it" in page
    checklists = client.get(reverse("oversight:qa-checklists")).content.decode()
    assert reverse("oversight:qa-checklist-edit", args=[KIND]) in checklists


# --- ending a rule with nothing in its place ---------------------------------------------------


def _end_post(day: date, reason="The kind of work moved to another directorate"):
    return {
        "ends_on_0": str(day.day),
        "ends_on_1": str(day.month),
        "ends_on_2": str(day.year),
        "reason": reason,
    }


def test_a_rule_is_ended_from_the_page_and_draws_stop(stopped, qa_assurance, client):
    from waymark.core.models import AuditEvent

    client.force_login(qa_assurance)
    last = stopped.draws.order_by("-period_end").first().period_end
    page = client.get(reverse("oversight:qa-rule", args=[stopped.pk])).content.decode()
    assert reverse("oversight:qa-rule-end", args=[stopped.pk]) in page
    response = client.post(reverse("oversight:qa-rule-end", args=[stopped.pk]), _end_post(last))
    assert response.status_code == 302
    stopped.refresh_from_db()
    assert not stopped.is_active and stopped.ends_on == last
    assert stopped.end_reason == "The kind of work moved to another directorate"
    assert not SamplingRule.objects.filter(replaces=stopped).exists()  # nothing replaces it
    audit = AuditEvent.objects.get(verb="oversight.qa_rule_ended")
    assert audit.payload["ends_on"] == last.isoformat() and audit.target_id == str(stopped.pk)
    page = client.get(reverse("oversight:qa-rule", args=[stopped.pk])).content.decode()
    assert "with nothing in its place: The kind of work moved" in page
    assert reverse("oversight:qa-rule-end", args=[stopped.pk]) not in page  # no second end
    home = client.get(reverse("oversight:qa-home")).content.decode()
    assert f'href="{reverse("oversight:qa-rule", args=[stopped.pk])}"' not in home
    # No draw after its last day in force; its draws and reviews stay.
    with pytest.raises(ValidationError) as caught:
        services.sample_draw(
            actor=qa_assurance,
            rule=stopped,
            period_start=last + timedelta(days=1),
            period_end=last + timedelta(days=7),
        )
    assert "no longer in force" in caught.value.message_dict["period_start"][0]
    assert stopped.draws.count() == 7
    # Ending it again is refused with the reason.
    again = client.post(reverse("oversight:qa-rule-end", args=[stopped.pk]), _end_post(last))
    assert again.status_code == 400 and "already been replaced or ended" in again.content.decode()


@pytest.mark.parametrize(
    ("when", "reason", "message"),
    [
        ("last_draw_minus_1", "A good reason to end it", "has drawn a sample up to"),
        ("tomorrow", "A good reason to end it", "today or in the past"),
        ("last_draw", "", "Enter why the rule is ended"),
    ],
)
def test_a_bad_end_is_refused_on_the_page_and_nothing_saved(
    stopped, qa_assurance, client, when, reason, message
):
    from waymark.core import clock
    from waymark.core.models import AuditEvent

    last = stopped.draws.order_by("-period_end").first().period_end
    day = {
        "last_draw_minus_1": last - timedelta(days=1),
        "tomorrow": clock.today() + timedelta(days=1),
        "last_draw": last,
    }[when]
    client.force_login(qa_assurance)
    response = client.post(
        reverse("oversight:qa-rule-end", args=[stopped.pk]), _end_post(day, reason)
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text and message in text
    stopped.refresh_from_db()
    assert stopped.is_active and stopped.ends_on is None and stopped.end_reason == ""
    assert not AuditEvent.objects.filter(verb="oversight.qa_rule_ended").exists()


def test_only_the_assurance_team_ends_a_rule(stopped, qa_manager):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.rule_end(
            actor=qa_manager, rule=stopped, ends_on=date(2026, 8, 1), reason="Not mine to end"
        )
    stopped.refresh_from_db()
    assert stopped.is_active


def test_a_rule_that_has_not_started_ends_the_day_before_its_start(stopped, qa_assurance):
    from waymark.core import clock

    start = clock.today() + timedelta(days=10)
    new = services.rule_change(
        actor=qa_assurance,
        rule=stopped,
        starts_on=start,
        reason="A larger sample from next month",
        name="Decisions adaptive (larger)",
        kind_key=KIND,
        method="adaptive",
        rate_percent="20",
        tightened_percent="30",
    )
    for day in (clock.today(), start):
        with pytest.raises(ValidationError) as caught:
            services.rule_end(actor=qa_assurance, rule=new, ends_on=day, reason="Not needed now")
        assert "stop it coming into force" in caught.value.message_dict["ends_on"][0]
    ended = services.rule_end(
        actor=qa_assurance, rule=new, ends_on=start - timedelta(days=1), reason="Not needed now"
    )
    assert not ended.is_active and ended.ends_on == start - timedelta(days=1)
