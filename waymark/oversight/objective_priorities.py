"""The service priorities objectives link to (issue 20 item 2; 000 §3.10: "performance objectives
for individual staff linked to service priorities"). Seeded by migration ``0005_objectives`` and
by ``services.objectives.priorities_seed`` (idempotent); more are added as rows.

(key, title, description, source, metric key or "")
"""

from __future__ import annotations

PRIORITIES: list[tuple[str, str, str, str, str]] = [
    (
        "em-breach-action",
        "Timely action on EM breaches",
        "Every actionable electronic-monitoring breach is acted on, with no backlog of breaches "
        "waiting for a decision.",
        "000 §3.2, §5.14",
        "monitoring.breaches_to_act_on",
    ),
    (
        "em-reviews",
        "EM reviews decided on time",
        "Three-monthly EM reviews are decided by their due date.",
        "000 §5.76; monitoring brief",
        "monitoring.reviews_outstanding",
    ),
    (
        "nrm-rg-5-days",
        "NRM reasonable grounds decisions within 5 working days",
        "Reasonable grounds decisions are made within 5 working days of referral, and no referral "
        "is left stuck.",
        "002 rec 3; nrm.rules.RG_TARGET_WORKING_DAYS",
        "nrm.referrals_stuck",
    ),
    (
        "visit-closure",
        "Visits closed within 48 hours",
        "Every enforcement visit is checked and closed no later than 48 hours after it took place.",
        "003 §5 (visit closure guidance)",
        "operations.closed_within_due_pct",
    ),
    (
        "further-submissions",
        "Further submissions decided within 5 working days",
        "Further submissions are decided promptly so removal is not delayed.",
        "001; casework brief",
        "casework.further_on_time",
    ),
    (
        "case-preparation",
        "Case preparation within 8 weeks",
        "Non-detained cases are prepared for removal within 8 weeks.",
        "001; casework brief",
        "casework.prep_on_time",
    ),
    (
        "work-on-time",
        "Work done by its deadline",
        "Tasks are finished by their deadline; nothing is left overdue in a team's queues.",
        "000 §5.76; 002 rec 3b",
        "work.tasks_overdue",
    ),
    (
        "quality",
        "Quality of decisions and records",
        "Work sampled for quality review is rated green.",
        "000 §3.11, §5.77; 003 §7.36",
        "",
    ),
]
