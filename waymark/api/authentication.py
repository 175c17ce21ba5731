"""Bearer credentials for machine clients: ``Authorization: Bearer <client id>.<secret>``."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from waymark.api import selectors, services
from waymark.core import context


class ClientCredentialAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        keyword, _, token = header.partition(" ")
        if keyword != self.keyword:
            return None
        credential = selectors.credential_for_token(token.strip())
        if credential is None:
            raise AuthenticationFailed("The credential is unknown, revoked or wrong.")
        services.credential_mark_used(credential=credential)
        # The audit trail names the client, not only its service user.
        current = context.current()
        context.set_current(
            context.ActingContext(
                channel="api",
                client_label=credential.label,
                request_id=current.request_id,
            )
        )
        return credential.user, credential

    def authenticate_header(self, request):
        return f'{self.keyword} realm="waymark"'


class ClientCredentialScheme(OpenApiAuthenticationExtension):
    """Describes the bearer credential in the OpenAPI schema."""

    target_class = "waymark.api.authentication.ClientCredentialAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A machine client's credential: `<client id>.<secret>`, issued by "
            "`manage.py api_client_create`.",
        }
