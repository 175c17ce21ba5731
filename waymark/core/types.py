"""Types shared by every module's services and selectors."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from waymark.accounts.models import User

# Who is acting: a signed-in user, or None for the system or a machine client (the acting context,
# ``waymark.core.context``, names the client). Services audit under this actor.
Actor: TypeAlias = "User | None"
