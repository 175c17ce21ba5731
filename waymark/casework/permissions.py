"""Who may do what in criminal casework: the permission codenames (declared on ``Case``, given to
roles in registrations.py) and the object-level rules: which people a reporting centre and intake
may see, and which reporting events a centre officer may open."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q

from waymark.casework.models import Referral, ReferralStatus, ReportingRestriction
from waymark.core import clock
from waymark.people.permissions import ADD_NOTE, person_withheld

VIEW_CASE = "casework.view_case"
MANAGE_CASEWORK = "casework.manage_casework"
MANAGE_INTAKE = "casework.manage_intake"
OVERRIDE_BAND = "casework.override_band"
RUN_REPORTING_CENTRE = "casework.run_reporting_centre"
MANAGE_REMOVALS = "casework.manage_removals"
DECIDE_DETENTION = "casework.decide_detention"
VIEW_CASEWORK_MI = "casework.view_casework_mi"
# Offering a voluntary return is open to anyone who may add a note to the person's record.
OFFER_VOLUNTARY_RETURN = ADD_NOTE
# Reporting centres see every centre's day list when they may see every queue.
VIEW_ANY_QUEUE = "work.view_any_queue"

# A centre keeps sight of someone for a month after their reporting there ends (late outcomes, chasing).
CENTRE_VISIBILITY_AFTER_END_DAYS = 31


def reporting_centre_visibility(user: Any) -> Q | None:
    """Reporting-centre staff see the people who report at their centres."""
    if not user.has_perm(RUN_REPORTING_CENTRE):
        return None
    team_ids = list(user.teams.values_list("pk", flat=True))
    since = clock.today() - timedelta(days=CENTRE_VISIBILITY_AFTER_END_DAYS)
    return Q(
        Exists(
            ReportingRestriction.objects.filter(
                person=OuterRef("pk"), centre_id__in=team_ids
            ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=since))
        )
    )


def intake_visibility(user: Any) -> Q | None:
    """Intake sees the people referred to criminal casework and awaiting its checks."""
    if not user.has_perm(MANAGE_INTAKE):
        return None
    return Q(
        Exists(
            Referral.objects.filter(person=OuterRef("pk"), status=ReferralStatus.AWAITING_CHECKS)
        )
    )


def may_open_centre_event(user: Any, event: Any) -> bool:
    """A centre officer opens the events of their own centres (anyone who may see every queue,
    any centre's), and never one whose person is a restricted record they may not see."""
    if not user.has_perm(VIEW_ANY_QUEUE) and not user.teams.filter(pk=event.centre_id).exists():
        return False
    return not person_withheld(user, event.person)
