"""A queue's assignee filter with a digit ``int()`` cannot read (U+00B2 passes ``str.isdigit``,
then ``int`` raised ValueError, a 500): no such assignee, and the page answers."""

from __future__ import annotations

import pytest
from django.test import Client

from waymark.accounts.models import Team, User
from waymark.work.models import Queue

pytestmark = pytest.mark.django_db


def test_an_assignee_int_cannot_read_is_no_filter():
    team = Team.objects.create(slug="hostile-team", name="Hostile team")
    Queue.objects.create(slug="hostile-queue", name="Hostile queue", team=team)
    reader = User.objects.create_superuser(username="work-hostile", password="a-long-test-pw-1")
    reader.teams.add(team)
    client = Client()
    client.force_login(reader)
    response = client.get("/work/queues/hostile-queue/", {"assignee": "\u00b2"})
    assert response.status_code == 200
