"""Two gates on every API view: the user's permissions (their role) and, for a machine client,
the credential's scopes. Object-level checks are the selectors' ``access_*`` (404)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from waymark.api.models import ClientCredential


class ScopedPermission(BasePermission):
    """The view declares, per HTTP method, ``required_perms`` and ``required_scope``."""

    message = "You may not do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        perms = view.required_perms.get(method)
        scope = view.required_scope.get(method)
        if perms is None or scope is None:
            return False
        if isinstance(request.auth, ClientCredential):
            if scope not in request.auth.scopes:
                self.message = f"This client's credential does not have the scope {scope}."
                return False
        elif getattr(user, "is_machine", False):
            return False  # a machine account uses its credential, never a session
        if not user.has_perms(perms):
            self.message = "Your role does not allow this."
            return False
        return True
