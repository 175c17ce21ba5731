"""Follow-ups a module offers on an inbound correspondence item: "Record it as a complaint" from
oversight, for example. The correspondence page lists those the reader may take, each a link to
the module's own form with ``?correspondence=<item id>``; the module reads the item through
``correspondence.selectors`` (with the reader's access) and keeps its id. The platform never
imports a module: modules register here at start-up (``registrations.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class CorrespondenceFollowUp:
    label: str  # the link's text, e.g. "Record it as a complaint"
    url_name: str  # a page without arguments that reads ``?correspondence=<id>``
    permission: str  # who may take it
    hint: str = ""  # a line under the link


_FOLLOW_UPS: list[CorrespondenceFollowUp] = []


def register_correspondence_follow_up(follow_up: CorrespondenceFollowUp) -> None:
    if all(f.url_name != follow_up.url_name for f in _FOLLOW_UPS):
        _FOLLOW_UPS.append(follow_up)


def correspondence_follow_ups(user, item_pk: int) -> list[dict[str, str]]:
    """The follow-ups ``user`` may take on item ``item_pk``: text, href and hint of each."""
    offered = []
    for f in _FOLLOW_UPS:
        if not user.has_perm(f.permission):
            continue
        try:
            href = f"{reverse(f.url_name)}?correspondence={int(item_pk)}"
        except NoReverseMatch:
            continue
        offered.append({"text": f.label, "href": href, "hint": f.hint})
    return offered
