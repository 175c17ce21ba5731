"""Quality assurance under hostile input and double submissions.

The checklist editor: a question's code travels in a hidden input and is not one of the form's
fields, so Django's own refusal of a NUL in a text field never saw it: posted as multipart (which
the platform's middleware leaves to the form fields), a NUL in it reached the database
(PostgreSQL: "text fields cannot contain NUL (0x00) bytes", a 500). Refused now with the GOV.UK
error summary, nothing saved.

A learning item marked done twice (a double click): the workflow lets an item "move" to the state
it is in, so the second press wrote a second audit entry. Refused now with the reason."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from waymark.core.models import AuditEvent
from waymark.oversight.models import Checklist, LearningItem
from waymark.oversight.services import qa as services
from waymark.oversight.tests.qa.support import KIND, answers, fill

pytestmark = pytest.mark.usefixtures("frozen")

GOOD = {"text": "Is it lawful?", "weight": "2", "reasons": "unlawful | Not lawful"}


def _editor_post(questions: list[dict[str, str]]) -> dict[str, str]:
    data = {"title": "Test decision", "action": "save"}
    for i, q in enumerate(questions, 1):
        for part in ("code", "area", "text", "guidance", "weight", "reasons"):
            data[f"q{i}_{part}"] = q.get(part, "")
    return data


@pytest.mark.parametrize("code", ["reasons\x00", "\x00", "line\nbreak", "esc\x1b[31m"])
def test_a_question_code_with_a_control_character_is_refused(checklist, qa_assurance, client, code):
    client.force_login(qa_assurance)
    response = client.post(  # the test client posts multipart/form-data
        reverse("oversight:qa-checklist-edit", args=[KIND]),
        _editor_post([GOOD, {**GOOD, "code": code}]),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text and "Question 2 was sent with a code" in text
    assert list(Checklist.objects.values_list("version", flat=True)) == [1]


def test_foreign_text_in_a_question_is_kept_as_typed(checklist, qa_assurance, client):
    client.force_login(qa_assurance)
    text = "هل القرار قانوني؟ Cafe\u0301 \U0001f6a8"
    response = client.post(
        reverse("oversight:qa-checklist-edit", args=[KIND]),
        _editor_post([{**GOOD, "code": "lawful-\u00b2", "text": text}]),
    )
    assert response.status_code == 302
    saved = Checklist.objects.get(version=2).questions.get()
    assert (saved.code, saved.text) == ("lawful-\u00b2", text)


def test_a_learning_item_marked_done_twice_is_audited_once(
    kind_items, qa_team, worker, qa_assurance, checklist, client
):
    nov = date(2026, 11, 2)
    fill(kind_items, start=nov, days=1, per_day=2, worker=worker, team=qa_team)
    rule = services.rule_create(
        actor=qa_assurance, name="All", kind_key=KIND, method="random", rate_percent="100"
    )
    draw = services.sample_draw(actor=qa_assurance, rule=rule, period_start=nov, period_end=nov)
    services.review_record(
        actor=qa_assurance,
        item=draw.items.first(),
        line="second",
        answers=answers(checklist, "red"),
    )
    item = LearningItem.objects.filter(user=worker).first()
    url = reverse("oversight:qa-learning-done", args=[item.pk])
    client.force_login(worker)
    assert client.post(url).status_code == 302
    again = client.post(url, follow=True)
    assert "marked as done already" in again.content.decode()
    done = AuditEvent.objects.filter(verb="oversight.qa_learning_done", target_id=str(item.pk))
    assert done.count() == 1
