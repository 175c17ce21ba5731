"""The EM Hub's pages (docs/platform-contracts.md, ``views/``): ``hub`` (the working day, joint
log, supplier, figures, plan), ``person_tab`` (the monitoring tab), ``breaches`` (breaches, the
ladder, referrals, reviews, challenges) and ``trails`` (trail data). Thin: fetch through selectors
(404 for what the user may not see), validate with a form, call one service, show its refusal as
a GOV.UK error."""

from waymark.monitoring.views.breaches import (
    breach,
    breach_ladder_apply,
    challenge_new,
    challenge_respond,
    mitigation_decide,
    mitigation_new,
    referral,
    review,
)
from waymark.monitoring.views.hub import (
    LISTS,
    home,
    joint_log,
    mi,
    mi_csv,
    plan,
    supplier,
    work_list,
)
from waymark.monitoring.views.person_tab import (
    bail_grant_new,
    condition_new,
    conveyance_upload,
    exemption_new,
    exemption_withdraw,
    order_new,
    order_outcome,
    person,
    release_new,
)
from waymark.monitoring.views.trails import (
    trail,
    trail_approve,
    trail_close,
    trail_data,
    trail_new,
)

__all__ = [
    "LISTS",
    "bail_grant_new",
    "breach",
    "breach_ladder_apply",
    "challenge_new",
    "challenge_respond",
    "condition_new",
    "conveyance_upload",
    "exemption_new",
    "exemption_withdraw",
    "home",
    "joint_log",
    "mi",
    "mi_csv",
    "mitigation_decide",
    "mitigation_new",
    "order_new",
    "order_outcome",
    "person",
    "plan",
    "referral",
    "release_new",
    "review",
    "supplier",
    "trail",
    "trail_approve",
    "trail_close",
    "trail_data",
    "trail_new",
    "work_list",
]
