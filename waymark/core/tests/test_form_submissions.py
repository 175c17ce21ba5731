"""A page's form sent twice is acted on once (core.submissions): the token every form carries, a
double sending replayed, errors letting the token go, other people's tokens, changed values, the
replay time, a first sending still in flight, the sweep, and two sendings at the same moment on
PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from waymark import testing
from waymark.core import clock, rules, submissions
from waymark.core.models import AuditEvent, FormSubmission
from waymark.people.models import Person
from waymark.people.tests.factories import CASEWORKER_PERMS, make_team, make_user
from waymark.people.tests.test_create_edit import NEW  # the person the page adds

TOKEN = re.compile(r'name="_submission" value="([A-Za-z0-9_-]+)"')


@pytest.fixture
def team(db):
    return make_team("Criminal casework Croydon")


@pytest.fixture
def caseworker(team):
    return make_user(*CASEWORKER_PERMS, teams=[team], username="caseworker")


@pytest.fixture
def signed_in(client, caseworker):
    client.force_login(caseworker)
    return client


def _token(client) -> str:
    tokens = TOKEN.findall(client.get(reverse("people:create")).content.decode())
    assert len(tokens) == 1
    return tokens[0]


def _post(client, data: dict):
    """As a browser sends a form without a file: URL-encoded (the test client's default is
    multipart, which the guard leaves to the upload views)."""
    return client.post(
        reverse("people:create"),
        urlencode(data, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )


def _created(family_name: str = "Nowak") -> int:
    return AuditEvent.objects.filter(
        verb="person.created",
        target_id__in=[
            str(pk)
            for pk in Person.objects.filter(family_name=family_name).values_list("pk", flat=True)
        ],
    ).count()


@pytest.mark.django_db
def test_each_form_shown_carries_a_new_token_beside_its_csrf_token(signed_in):
    page = signed_in.get(reverse("people:create")).content.decode()
    form = page[page.index('<form method="post" novalidate') :]
    form = form[: form.index("</form>")]
    assert 'name="csrfmiddlewaretoken"' in form and TOKEN.search(form)
    assert _token(signed_in) != _token(signed_in)


@pytest.mark.django_db
def test_the_same_form_sent_twice_adds_the_person_once_and_says_so(signed_in, team):
    token = _token(signed_in)
    data = {**NEW, "owning_team": str(team.pk), submissions.FIELD: token}
    first = _post(signed_in, data)
    second = _post(signed_in, data)
    person = Person.objects.get(family_name="Nowak")
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == reverse("people:detail", args=[person.pk])
    assert _created() == 1
    shown = signed_in.get(second["Location"]).content.decode()
    assert "This form had already been sent, so it was not sent again." in shown


@pytest.mark.django_db
def test_without_the_token_each_sending_is_acted_on_as_before(signed_in, team):
    data = {**NEW, "owning_team": str(team.pk)}
    _post(signed_in, data)
    again = _post(signed_in, data)
    # The second is the duplicate check's question, not a replay.
    assert again.status_code == 200 and "already been sent" not in again.content.decode()
    assert FormSubmission.objects.count() == 0


@pytest.mark.django_db
def test_a_form_with_errors_lets_its_token_go_for_the_corrected_form(signed_in, team):
    token = _token(signed_in)
    wrong = {**NEW, "family_name": "", submissions.FIELD: token}
    assert _post(signed_in, wrong).status_code == 400
    assert not FormSubmission.objects.exists()
    right = {**NEW, "owning_team": str(team.pk), submissions.FIELD: token}
    response = _post(signed_in, right)
    assert response.status_code == 302 and _created() == 1
    kept = FormSubmission.objects.get()
    assert kept.completed_at is not None and kept.location == response["Location"]


@pytest.mark.django_db
def test_the_same_token_with_other_values_is_acted_on(signed_in, team):
    token = _token(signed_in)
    base = {**NEW, "owning_team": str(team.pk), submissions.FIELD: token}
    _post(signed_in, base)
    changed = _post(signed_in, {**base, "family_name": "Kowalski"})
    kowalski = Person.objects.get(family_name="Kowalski")
    assert changed["Location"] == reverse("people:detail", args=[kowalski.pk])
    assert _created() == 1 and _created("Kowalski") == 1


@pytest.mark.django_db
def test_another_person_sending_my_token_is_acted_on_as_their_own(signed_in, team, client):
    token = _token(signed_in)
    data = {**NEW, "owning_team": str(team.pk), submissions.FIELD: token}
    _post(signed_in, data)
    other = Client()
    other.force_login(make_user(*CASEWORKER_PERMS, teams=[team], username="other"))
    response = _post(other, {**data, "family_name": "Kowalski"})
    # Not sent to my person's page: their own form made their own person.
    kowalski = Person.objects.get(family_name="Kowalski")
    assert response["Location"] == reverse("people:detail", args=[kowalski.pk])
    assert FormSubmission.objects.filter(token=token).count() == 2


@pytest.mark.django_db
def test_after_the_replay_time_the_same_sending_is_acted_on_again(signed_in, team):
    assert timedelta(minutes=10) == rules.FORM_SUBMISSION_REPLAY_FOR
    token = _token(signed_in)
    data = {**NEW, "owning_team": str(team.pk), submissions.FIELD: token}
    with clock.frozen(testing.NOW):
        _post(signed_in, data)
    with clock.frozen(testing.NOW + timedelta(minutes=9)):
        assert _post(signed_in, data).status_code == 302
    with clock.frozen(testing.NOW + timedelta(minutes=11)):
        again = _post(signed_in, data)
    # Acted on: the duplicate check now asks whether this is the person already added.
    assert again.status_code == 200 and _created() == 1


@pytest.mark.django_db
def test_a_second_sending_waits_for_the_first_then_says_it_is_still_being_saved(
    signed_in, caseworker, team, monkeypatch
):
    monkeypatch.setattr(rules, "FORM_SUBMISSION_WAIT", timedelta(milliseconds=300))
    token = _token(signed_in)
    data = {**NEW, "owning_team": str(team.pk), submissions.FIELD: token}
    with clock.frozen(testing.NOW):
        FormSubmission.objects.create(
            user=caseworker,
            token=token,
            path=reverse("people:create"),
            digest="in flight",
            created_at=clock.now(),
        )
        response = _post(signed_in, data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "This form is still being saved" in body and reverse("people:create") in body
    assert not Person.objects.exists()
    # A first sending that never finished (its worker died) lets the token go after the timeout.
    with clock.frozen(testing.NOW + rules.FORM_SUBMISSION_IN_FLIGHT_TIMEOUT + timedelta(seconds=1)):
        response = _post(signed_in, data)
    assert response.status_code == 302 and _created() == 1


@pytest.mark.django_db
def test_the_sweep_deletes_sendings_older_than_a_day(caseworker):
    assert timedelta(days=1) == rules.FORM_SUBMISSION_KEPT
    for age in (timedelta(hours=23), timedelta(hours=25)):
        FormSubmission.objects.create(
            user=caseworker,
            token=f"token-{age.seconds:016d}",
            path="/x/",
            digest="d",
            created_at=testing.NOW - age,
        )
    with clock.frozen(testing.NOW):
        assert submissions.submissions_expire() == 1
    assert FormSubmission.objects.count() == 1
    from waymark.work.sweeps import sweeps

    assert sweeps()["core.form_submissions_expire"] is submissions.submissions_expire


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (real threads)")
@pytest.mark.django_db(transaction=True)
def test_two_sendings_at_the_same_moment_add_the_person_once(caseworker, team):
    signed_in = Client()
    signed_in.force_login(caseworker)
    token = _token(signed_in)
    data = {**NEW, "owning_team": str(team.pk), submissions.FIELD: token}
    barrier = threading.Barrier(4)
    answers: list = []

    def send() -> None:
        client = Client()
        client.force_login(caseworker)
        try:
            barrier.wait()
            answers.append(_post(client, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    person = Person.objects.get(family_name="Nowak")
    assert [a.status_code for a in answers] == [302] * 4
    assert {a["Location"] for a in answers} == {reverse("people:detail", args=[person.pk])}
    assert _created() == 1


def test_every_post_form_in_the_templates_writes_its_tokens_with_csrf_input():
    """A form that wrote its CSRF token by hand would carry no one-sending token. The layout's two
    sign-out buttons are left out: signing out twice is harmless."""
    import waymark

    root = Path(waymark.__file__).parent
    layout = root / "core" / "jinja2" / "layouts" / "base.html"
    post_form = re.compile(r'<form\b[^>]*method="post"[^>]*>.*?</form>', re.S | re.I)
    forms = [
        (path, form.group(0))
        for path in sorted(root.rglob("*.html"))
        if path != layout
        for form in post_form.finditer(path.read_text())
    ]
    assert len(forms) > 80
    missing = [str(path.relative_to(root)) for path, form in forms if "csrf_input" not in form]
    assert missing == []
