"""Filters that take a key or a number from the query string: a digit ``int()`` cannot read
(U+00B2 SUPERSCRIPT TWO passes ``str.isdigit``, then ``int`` raises ValueError, a 500) is read
as no filter, and the page answers."""

from __future__ import annotations

import pytest
from django.test import Client

from waymark import testing
from waymark.accounts.models import User
from waymark.oversight.services import training

pytestmark = pytest.mark.django_db
SUPERSCRIPT_TWO = "\u00b2"


@pytest.fixture
def reader() -> User:
    return User.objects.create_superuser(username="oversight-hostile", password="a-long-test-pw-1")


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("/oversight/", "owner"),
        ("/oversight/competence/", "team"),
        ("/oversight/competence/", "person"),
        ("/oversight/competence/performance/", "days"),
        ("/oversight/competence/performance/", "team"),
        ("/oversight/objectives/", "team"),
        ("/oversight/objectives/", "person"),
        ("/oversight/fairness/", "months"),
        ("/oversight/complaints/", "handler"),
        ("/oversight/qa/", "weeks"),
    ],
)
def test_a_digit_int_cannot_read_is_no_filter(reader, url, parameter):
    client = Client()
    client.force_login(reader)
    response = client.get(url, {parameter: SUPERSCRIPT_TWO})
    assert response.status_code in (200, 302), (url, parameter, response.status_code)


def test_a_complaint_from_a_correspondence_item_that_is_not_a_key_is_404(reader):
    client = Client()
    client.force_login(reader)
    response = client.get(
        "/oversight/complaints/from-correspondence/", {"correspondence": "\u00b2"}
    )
    assert response.status_code == 404


def test_the_session_form_reads_a_team_int_cannot_read_as_no_choice(
    client, line_manager, assurance, team
):
    """``?team=²`` (and the same posted) once reached ``int()`` through ``str.isdigit``: a 500.
    Read as no team chosen: the form offers the recorder's own team and answers."""
    course = training.training_course_add(
        actor=line_manager, topic="recording", title="Record keeping", description=""
    )
    training.training_course_approve(actor=assurance, course=course)
    client.force_login(line_manager)
    url = f"/oversight/training/{course.pk}/sessions/new/"
    learner = testing.user_make("case_owner", team, last_name="Learnerofthisteam")
    shown = client.get(url, {"team": SUPERSCRIPT_TWO})
    assert shown.status_code == 200
    assert learner.last_name in shown.content.decode()  # the recorder's own team's members
    posted = client.post(url, {"team": SUPERSCRIPT_TWO, "completed_by": [learner.pk]})
    assert posted.status_code == 400
    assert "govuk-error-summary" in posted.content.decode()
