"""Permission codenames of correspondence intake and its object predicates.

``view_correspondenceitem`` and ``add_correspondenceitem`` are Django's defaults;
``match_correspondence`` is ``CorrespondenceItem.Meta.permissions``. Who holds them is in
``waymark.accounts.roles`` (``add`` is given in ``registrations.py`` to every role that may view).
An item matched to a person follows that person's visibility (``selectors``).
"""

from __future__ import annotations

VIEW_CORRESPONDENCE = "correspondence.view_correspondenceitem"
ADD_CORRESPONDENCE = "correspondence.add_correspondenceitem"
MATCH_CORRESPONDENCE = "correspondence.match_correspondence"


def may_match(actor) -> bool:
    """Whether ``actor`` may decide who correspondence is about (the system, ``None``, may)."""
    return actor is None or not actor.is_authenticated or actor.has_perm(MATCH_CORRESPONDENCE)
