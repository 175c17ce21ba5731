"""API clients for oversight's API tests: a session user's, and a machine client's holding a
credential with the given scopes (its role decides the permissions, the scopes narrow them)."""

from __future__ import annotations

from rest_framework.test import APIClient

from waymark import testing
from waymark.api import services as api_services


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def machine_client(team, role: str, scopes: list[str]) -> APIClient:
    user = testing.user_make(role, team, is_machine=True)
    issued = api_services.credential_issue(actor=None, user=user, label="Reporting", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.token}")
    return client
