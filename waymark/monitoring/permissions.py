"""Who may do what in the EM Hub: the permission codenames (declared on ``Condition`` and
``TrailDataRequest``, given to roles in registrations.py) and the object-level rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from waymark.monitoring.models import Condition, Exemption, TrailDataRequest
from waymark.people.models import BailGrant

MANAGE_EM = "monitoring.manage_em"
VIEW_EM_MI = "monitoring.view_em_mi"
MANAGE_SUPPLIER = "monitoring.manage_supplier"
APPROVE_TRAIL_REQUEST = "monitoring.approve_trail_request"
VIEW_TRAIL_DATA = "monitoring.view_trail_data"
SUPPLIER_NOTIFY = "monitoring.supplier_notify"


def em_visibility(user: Any) -> Q | None:
    """The EM Hub's need to know: people with an EM condition (in force or past) or an exemption,
    and the duty cohort (on bail and facing deportation), wherever their case is owned."""
    if not user.has_perm(MANAGE_EM):
        return None
    on_bail = BailGrant.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
    return (
        Q(Exists(Condition.objects.filter(person=OuterRef("pk"))))
        | Q(Exists(Exemption.objects.filter(person=OuterRef("pk"))))
        | (
            Q(Exists(on_bail))
            & (Q(deportation_decision_date__isnull=False) | Q(deportation_order_date__isnull=False))
        )
    )


def may_approve_trail_request(user: Any, request: TrailDataRequest) -> bool:
    """A permitted role, never the person who made the request (000 §5.34-5.37)."""
    return user.has_perm(APPROVE_TRAIL_REQUEST) and request.requested_by_id != user.pk


def may_view_trail_data(user: Any) -> bool:
    """Viewing returned trail data is its own permission (000 §5.33-5.37)."""
    return user.has_perm(VIEW_TRAIL_DATA)
