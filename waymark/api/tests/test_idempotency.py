import threading
import uuid

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from waymark.api.models import IdempotencyRecord
from waymark.core import clock
from waymark.people.models import Person

BODY = {"given_names": "Dara", "family_name": "Okafor", "owning_team": "api-team"}


def _post(api, body, key):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post("/api/v1/persons/", body, format="json", **headers)


def test_missing_key_is_400_and_nothing_created(api, world):
    before = Person.objects.count()
    response = _post(api, BODY, None)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Person.objects.count() == before


def test_a_repeat_returns_the_first_result_and_creates_nothing_more(api, world):
    first = _post(api, BODY, "key-1")
    before = Person.objects.count()
    again = _post(api, BODY, "key-1")
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Person.objects.count() == before


def test_the_same_key_with_a_different_body_is_422(api, world):
    _post(api, BODY, "key-2")
    before = Person.objects.count()
    response = _post(api, {**BODY, "family_name": "Other"}, "key-2")
    assert response.status_code == 422
    assert Person.objects.count() == before


def test_the_same_key_while_the_first_is_in_flight_is_409(api, world, caseworker):
    response = _post(api, BODY, "key-3")  # learn the hash the server computes
    record = IdempotencyRecord.objects.get(key="key-3")
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=None, response_body=None, created_at=clock.now()
    )
    before = Person.objects.count()
    assert _post(api, BODY, "key-3").status_code == 409
    assert Person.objects.count() == before
    assert response.status_code == 201


def test_a_failed_request_releases_its_key(api, world):
    bad = _post(api, {**BODY, "nationalities": ["QQQ"]}, "key-4")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.filter(key="key-4").exists()
    assert _post(api, {**BODY, "nationalities": ["IRL"]}, "key-4").status_code == 201


def test_keys_are_scoped_to_the_caller(api, world):
    from waymark.api.tests.conftest import member

    _post(api, BODY, "shared-key")
    other = APIClient()
    other.force_authenticate(member("case_owner", world["team"]))
    assert _post(other, {**BODY, "family_name": "Different"}, "shared-key").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_with_one_key_create_one_person(world):
    """Real threads on PostgreSQL: exactly one creates, the others are told 409 or replayed."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is exercised on PostgreSQL in CI")
    from waymark.api.tests.conftest import member

    user = member("case_owner", world["team"])
    key = str(uuid.uuid4())
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def post():
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            statuses.append(_post(client, BODY, key).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    assert Person.objects.filter(family_name="Okafor").count() == 1


def test_records_older_than_a_week_are_deleted_by_the_sweep(api, world):
    from datetime import timedelta

    from waymark.api.services import idempotency_records_expire
    from waymark.work.sweeps import sweeps

    _post(api, BODY, "kept")
    _post(api, {**BODY, "family_name": "Old"}, "old")
    now = clock.now()
    IdempotencyRecord.objects.filter(key="old").update(created_at=now - timedelta(days=8))
    IdempotencyRecord.objects.filter(key="kept").update(created_at=now - timedelta(days=6))
    with clock.frozen(now):
        assert idempotency_records_expire() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["kept"]
    assert sweeps()["api.idempotency_records_expire"] is idempotency_records_expire
