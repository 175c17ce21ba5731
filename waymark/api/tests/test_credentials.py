import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.test import APIClient

from waymark.api import services
from waymark.api.models import ClientCredential
from waymark.api.selectors import secret_hash


def test_the_secret_is_stored_hashed_never_in_clear(machine_client):
    _, issued = machine_client
    secret = issued.token.split(".", 1)[1]
    stored = ClientCredential.objects.get(pk=issued.credential.pk)
    assert stored.secret_hash == secret_hash(secret)
    assert secret not in {
        str(v) for v in ClientCredential.objects.values().get(pk=stored.pk).values()
    }


def test_a_valid_credential_reads_and_is_marked_used(machine_client):
    client, issued = machine_client
    response = client.get("/api/v1/persons/")
    assert response.status_code == 200
    assert ClientCredential.objects.get(pk=issued.credential.pk).last_used_at is not None


@pytest.mark.parametrize("token", ["wm_nope.secret", "garbage", "", "wm_x."])
def test_an_unknown_or_malformed_credential_is_401_problem(world, token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/api/v1/persons/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_a_wrong_secret_is_refused(machine_client):
    _, issued = machine_client
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.credential.client_id}.not-the-secret")
    assert client.get("/api/v1/persons/").status_code == 401


def test_a_revoked_credential_is_refused(machine_client):
    client, issued = machine_client
    services.credential_revoke(actor=None, credential=issued.credential)
    assert client.get("/api/v1/persons/").status_code == 401


def test_no_credential_is_401_not_a_redirect_to_sign_in(world):
    response = APIClient().get("/api/v1/persons/")
    assert response.status_code == 401
    assert response.json()["type"].endswith("unauthenticated")


def test_a_missing_scope_is_403(machine_client, world):
    client, _ = machine_client  # has tasks:read but not tasks:write
    response = client.post(
        "/api/v1/tasks/",
        {"task_type": "general.follow_up", "title": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 403
    assert "tasks:write" in response.json()["detail"]


def test_a_machine_account_cannot_use_a_session(world):
    from waymark.api.tests.conftest import member

    client = APIClient()
    client.force_authenticate(member("case_owner", world["team"], machine=True))
    assert client.get("/api/v1/persons/").status_code == 403


def test_credentials_only_for_machine_users_and_known_scopes(caseworker, world):
    from waymark.api.tests.conftest import member

    with pytest.raises(ValidationError):
        services.credential_issue(actor=None, user=caseworker, label="x", scopes=["persons:read"])
    with pytest.raises(ValidationError):
        services.credential_issue(
            actor=None,
            user=member("case_owner", None, machine=True),
            label="x",
            scopes=["everything"],
        )


def test_the_command_prints_the_token_once(world, capsys):
    from waymark.api.tests.conftest import member

    user = member("case_owner", world["team"], machine=True)
    call_command(
        "api_client_create", user.username, "--label", "Supplier", "--scope", "persons:read"
    )
    out = capsys.readouterr().out
    token = out.strip().splitlines()[-1].split("Bearer ", 1)[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/persons/").status_code == 200
