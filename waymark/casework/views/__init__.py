"""Casework pages: case owners, reporting centres, removals and gatekeepers, managers.

Thin: fetch through selectors (404 for what the user may not see), validate with a form, call one
service, show a refusal as a GOV.UK error summary.

Split by sub-domain; every page is re-exported here for ``urls.py``: ``caseload`` (home, lists,
the person's tab), ``referral``, ``reporting`` (with the centre's pages), ``non_compliance``,
``progression``, ``removals`` and ``figures``. Permission codenames are in
``casework.permissions``.
"""

from waymark.casework.permissions import DECIDE_DETENTION as GATEKEEP
from waymark.casework.permissions import MANAGE_CASEWORK as MANAGE
from waymark.casework.permissions import MANAGE_INTAKE as INTAKE
from waymark.casework.permissions import MANAGE_REMOVALS as REMOVALS
from waymark.casework.permissions import RUN_REPORTING_CENTRE as CENTRE
from waymark.casework.permissions import VIEW_CASE as VIEW
from waymark.casework.permissions import VIEW_CASEWORK_MI as MI
from waymark.casework.views._common import PAGE_SIZE
from waymark.casework.views.caseload import (
    LISTS,
    home,
    person,
    work_list,
)
from waymark.casework.views.figures import (
    mi,
    mi_csv,
)
from waymark.casework.views.non_compliance import (
    absconder_new,
    contact_step,
    reoffence_new,
    trace_new,
    trace_outcome,
)
from waymark.casework.views.progression import (
    barrier_clear,
    barrier_new,
    etd_new,
    further_decide,
    further_new,
    preparation_finalise,
    preparation_initial,
    preparation_start,
    red_notice_new,
    review,
)
from waymark.casework.views.referral import (
    band_override,
    decision_new,
    refer,
    referral_route,
)
from waymark.casework.views.removals import (
    charter,
    charter_new,
    detention_decide,
    detention_new,
    directions_new,
    removal_outcome,
    removals,
    removals_export,
    voluntary_return_new,
)
from waymark.casework.views.reporting import (
    centre,
    commission_new,
    commission_result,
    event_attended,
    event_outcome,
    restriction_edit,
    restriction_new,
)

__all__ = [
    "CENTRE",
    "GATEKEEP",
    "INTAKE",
    "LISTS",
    "MANAGE",
    "MI",
    "PAGE_SIZE",
    "REMOVALS",
    "VIEW",
    "absconder_new",
    "band_override",
    "barrier_clear",
    "barrier_new",
    "centre",
    "charter",
    "charter_new",
    "commission_new",
    "commission_result",
    "contact_step",
    "decision_new",
    "detention_decide",
    "detention_new",
    "directions_new",
    "etd_new",
    "event_attended",
    "event_outcome",
    "further_decide",
    "further_new",
    "home",
    "mi",
    "mi_csv",
    "person",
    "preparation_finalise",
    "preparation_initial",
    "preparation_start",
    "red_notice_new",
    "refer",
    "referral_route",
    "removal_outcome",
    "removals",
    "removals_export",
    "reoffence_new",
    "restriction_edit",
    "restriction_new",
    "review",
    "trace_new",
    "trace_outcome",
    "voluntary_return_new",
    "work_list",
]
