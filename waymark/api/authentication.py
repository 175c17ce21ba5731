from rest_framework.authentication import BaseAuthentication


class ClientCredentialAuthentication(BaseAuthentication):
    """Placeholder replaced by the API framework work."""

    def authenticate(self, request):
        return None
