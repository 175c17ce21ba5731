"""Writes for correspondence intake: register (with de-duplication and matching), match by hand,
mark as needing no person.

Every registered item ends in work: a task for the reply (type by category, deadline by the
task type's rule, running from when the message was received) if the person is known, or a
match-needed task in the match queue if not. Matching closes the match-needed task and opens the
reply task with the deadline still counted from receipt.

Split by sub-domain; every name is re-exported here, so callers write
``services.correspondence_register``: ``intake`` (registering a message or an .eml file) and
``match`` (matching by hand, no person needed, category).
"""

from waymark.correspondence.rules import CLOCK_SKEW
from waymark.correspondence.services.intake import (
    content_fingerprint,
    correspondence_register,
    correspondence_register_eml,
)
from waymark.correspondence.services.match import (
    correspondence_mark_no_person_needed,
    correspondence_match,
    correspondence_set_category,
)

__all__ = [
    "CLOCK_SKEW",
    "content_fingerprint",
    "correspondence_mark_no_person_needed",
    "correspondence_match",
    "correspondence_register",
    "correspondence_register_eml",
    "correspondence_set_category",
]
