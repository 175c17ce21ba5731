"""Oversight's API views, read-only: the recommendations tracker (``tracker.py``), the risk
registers (``risks.py``) and complaints (``complaints.py``). What they share is here."""

from __future__ import annotations

# Every oversight read needs this credential scope on top of the role's own permission.
SCOPE = "oversight:read"


def staff_name(user) -> str | None:
    """A member of staff as the pages name them: full name, else username; None for nobody."""
    return (user.get_full_name() or user.username) if user else None
