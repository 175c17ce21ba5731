"""Password sign-in for Waymark accounts.

Django's ModelBackend, except that in production a published demo password never authenticates,
whatever account holds it: an operator who copied demo users, or restored a demo database, must not
open a production service with a password printed in the repository.
"""

from __future__ import annotations

import logging

from django.contrib.auth.backends import ModelBackend

from waymark.accounts.rules import refuses_demo_password

logger = logging.getLogger("waymark.accounts")


class WaymarkModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if refuses_demo_password(password):
            logger.warning("Sign-in with the published demo password refused for %r", username)
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
