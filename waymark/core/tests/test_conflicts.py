"""A write a unique key refused because another request had just made it (a race no service check
closed yet) is answered 409 with what to do, on a page and in the API, and logged; it was a 500.
Any other integrity error is still a 500."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from waymark.core.conflicts import is_unique_violation
from waymark.testing import NOW
from waymark.work.models import SavedFilter
from waymark.work.services import saved_filters
from waymark.work.tests.factories import CASEWORKER, queue_make, team_make, user_make

pytestmark = pytest.mark.django_db


class _SeesNothing:
    """The service's "already have one" check made before the other request committed."""

    def __init__(self, model):
        self.model = model

    @property
    def objects(self):
        return self

    def filter(self, **_):
        return self.model.objects.none()

    def __getattr__(self, name):
        return getattr(self.model.objects, name)


def _caseworker_and_queue():
    team = team_make(name="EM Hub")
    return user_make(*CASEWORKER, teams=[team]), queue_make(team=team, slug="em-hub-breaches")


def test_a_page_whose_write_a_unique_key_refused_answers_409_and_saves_nothing(monkeypatch, caplog):
    user, queue = _one_filter()
    monkeypatch.setattr(saved_filters, "SavedFilter", _SeesNothing(SavedFilter))
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.post(
        reverse("work:saved-filter-create", args=[queue.slug]),
        {"name": "Overdue", "query_string": "deadline_state=overdue"},
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else made this change at the same moment" in page
    assert "was not saved" in page
    assert SavedFilter.objects.filter(user=user).count() == 1
    assert "A unique key refused a write" in caplog.text


def _refused(**values) -> IntegrityError:
    """The error the database raises for this filter (the user already has one named so)."""
    try:
        with transaction.atomic():
            SavedFilter.objects.create(query_string="b", created_at=NOW, **values)
    except IntegrityError as exc:
        return exc
    raise AssertionError(f"the database accepted {values}")


def _one_filter():
    user, queue = _caseworker_and_queue()
    SavedFilter.objects.create(
        user=user, name="Overdue", query_string="a=1", queue=queue, created_at=NOW
    )
    return user, queue


def test_other_integrity_errors_are_not_taken_for_a_race():
    user, queue = _one_filter()
    assert is_unique_violation(_refused(user=user, name="Overdue", queue=queue))
    assert not is_unique_violation(_refused(user_id=None, name="No one", queue=queue))  # NOT NULL
    assert not is_unique_violation(ValueError("UNIQUE constraint failed"))


def test_the_api_answers_409_problem_details_for_the_same_refusal(caplog):
    from waymark.api.problems import problem_exception_handler

    user, queue = _one_filter()
    response = problem_exception_handler(
        _refused(user=user, name="Overdue", queue=queue), {"request": None}
    )
    assert response.status_code == 409
    assert response.data["type"].endswith("conflict")
    assert "at the same moment" in response.data["detail"]
    assert "A unique key refused a write" in caplog.text
