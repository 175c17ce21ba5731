"""Who may do what in oversight: permission codenames (declared on ``Recommendation.Meta``, given
to roles in registrations.py) and the object-level predicates the services check.

The tracker holds governance records, not records of the people Waymark manages: anyone with
``VIEW`` sees all of it. Sign-off (``SIGN_OFF``) is refused to the action's own owner whatever
their permissions (oversight.md §6: "someone other than the owner").
"""

from __future__ import annotations

from typing import Any

VIEW = "oversight.view_tracker"
MANAGE = "oversight.manage_actions"
SIGN_OFF = "oversight.sign_off_actions"
EXPORT = "oversight.export_tracker"

# --- quality assurance (item 1): codenames here ---
QA_VIEW = "oversight.view_qa"
QA_FIRST_LINE = "oversight.review_first_line"
QA_SECOND_LINE = "oversight.review_second_line"
QA_CONFIGURE = "oversight.configure_qa"
QA_DECIDE_DISPUTES = "oversight.decide_qa_disputes"
QA_OBSERVE = "oversight.record_observations"
# --- competence (item 2) ---
# The records live in work (the platform's gate reads them; docs/decisions/0016): their
# permissions are declared on ``work.Competence`` and granted to oversight's roles below.
COMPETENCE_VIEW = "work.view_competences"
COMPETENCE_SIGN_OFF = "work.sign_off_competence"
# --- metrics (item 3) ---
# The registry, the reconciliation checks and the snapshots are figures about the service, naming
# no one; exporting them is still a disclosure (audited by the export helper).
VIEW_METRICS = "oversight.view_metrics"
EXPORT_METRICS = "oversight.export_metrics"
# --- fairness and data quality (items 4-5) ---
# The figures are aggregates; breaking them down by a protected characteristic also needs
# ``people.view_protected_characteristics`` (checked where they are read, and audited there).
VIEW_FAIRNESS = "oversight.view_fairness"
MANAGE_DISPARITY_REVIEWS = "oversight.manage_disparity_reviews"
EXPORT_FAIRNESS = "oversight.export_fairness"
VIEW_PROTECTED = "people.view_protected_characteristics"
VIEW_DATA_QUALITY = "oversight.view_data_quality"
MEASURE_DATA_QUALITY = "oversight.measure_data_quality"
# --- objectives, quality per person, training needs (item 2) ---
# Objectives name staff: their pages are consultations (the personal-data middleware logs them).
# Managing is limited to the teams one belongs to, unless one holds OBJECTIVES_ANY_TEAM.
OBJECTIVES_VIEW = "oversight.view_objectives"
OBJECTIVES_MANAGE = "oversight.manage_objectives"
OBJECTIVES_ANY_TEAM = "oversight.manage_any_team_objectives"
TRAINING_NEEDS_VIEW = QA_VIEW  # training needs come from QA reviews: who sees those sees these
# Training records (declared on ``TrainingCourse.Meta``): approving content is refused to its
# author whatever their permissions (002 rec 2a: content "checked and approved").
TRAINING_VIEW = "oversight.view_training"
TRAINING_RECORD = "oversight.record_training"
TRAINING_APPROVE = "oversight.approve_training"

# No "senior manager" role exists in accounts.roles yet: the assurance team signs off (second
# line), line managers and service delivery managers own and update actions, performance analysts
# read and export.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "assurance": frozenset({VIEW, MANAGE, SIGN_OFF, EXPORT}),
    "line_manager": frozenset({VIEW, MANAGE}),
    "service_delivery": frozenset({VIEW, MANAGE}),
    "performance_analyst": frozenset({VIEW, EXPORT}),
    "data_protection": frozenset({VIEW}),
}
# Each area adds its own grants with ROLE_PERMISSIONS[role] |= {...} below its section.
# --- quality assurance (item 1) grants ---
# The assurance team is the second line: it configures rules, draws samples, reviews, decides
# disputes and observes teams; line managers review their teams' work (first line); analysts read.
ROLE_PERMISSIONS["assurance"] |= {
    QA_VIEW,
    QA_SECOND_LINE,
    QA_CONFIGURE,
    QA_DECIDE_DISPUTES,
    QA_OBSERVE,
}
ROLE_PERMISSIONS["line_manager"] |= {QA_VIEW, QA_FIRST_LINE}
ROLE_PERMISSIONS["performance_analyst"] |= {QA_VIEW}
# --- competence (item 2) grants ---
# The assurance team and line managers assess and sign off (each still needs a signed-off assessor
# competence of their own, 002 rec 2a); service delivery managers and analysts read.
ROLE_PERMISSIONS["assurance"] |= {COMPETENCE_VIEW, COMPETENCE_SIGN_OFF}
ROLE_PERMISSIONS["line_manager"] |= {COMPETENCE_VIEW, COMPETENCE_SIGN_OFF}
ROLE_PERMISSIONS["service_delivery"] |= {COMPETENCE_VIEW}
ROLE_PERMISSIONS["performance_analyst"] |= {COMPETENCE_VIEW}
# --- metrics (item 3) grants ---
# Performance analysts own the figures (oversight.md: "management information"); the assurance team
# checks that they agree; managers and the data protection officer read them.
ROLE_PERMISSIONS["performance_analyst"] |= {VIEW_METRICS, EXPORT_METRICS}
ROLE_PERMISSIONS["assurance"] |= {VIEW_METRICS, EXPORT_METRICS}
ROLE_PERMISSIONS["line_manager"] |= {VIEW_METRICS}
ROLE_PERMISSIONS["service_delivery"] |= {VIEW_METRICS}
ROLE_PERMISSIONS["data_protection"] |= {VIEW_METRICS}
# --- fairness and data quality (items 4-5) grants ---
# The data protection officer and performance analysts watch the figures, open explain-or-reform
# items and accept answers (both hold the protected-characteristics permission); the assurance
# team sees the figures without protected characteristics, and may own an item. Data quality:
# analysts measure it; the DPO, the assurance team and line managers (whose teams' records fail)
# see it.
for _role, _grant in {
    "data_protection": {
        VIEW_FAIRNESS,
        MANAGE_DISPARITY_REVIEWS,
        EXPORT_FAIRNESS,
        VIEW_DATA_QUALITY,
    },
    "performance_analyst": {
        VIEW_FAIRNESS,
        MANAGE_DISPARITY_REVIEWS,
        EXPORT_FAIRNESS,
        VIEW_DATA_QUALITY,
        MEASURE_DATA_QUALITY,
    },
    "assurance": {VIEW_FAIRNESS, VIEW_DATA_QUALITY},
    "line_manager": {VIEW_DATA_QUALITY},
}.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _grant
# --- objectives, quality per person, training needs (item 2) grants ---
# Line managers set their teams' and people's objectives; performance analysts set any team's (the
# performance framework is theirs); service delivery managers and the assurance team read them.
ROLE_PERMISSIONS["line_manager"] |= {OBJECTIVES_VIEW, OBJECTIVES_MANAGE}
ROLE_PERMISSIONS["performance_analyst"] |= {
    OBJECTIVES_VIEW,
    OBJECTIVES_MANAGE,
    OBJECTIVES_ANY_TEAM,
}
ROLE_PERMISSIONS["service_delivery"] |= {OBJECTIVES_VIEW}
ROLE_PERMISSIONS["assurance"] |= {OBJECTIVES_VIEW}
# --- training records (item 2) grants ---
# The assurance team (the learning lead's second line) adds courses, approves content and records
# sessions; line managers add courses and record their teams' sessions; analysts and service
# delivery managers read.
ROLE_PERMISSIONS["assurance"] |= {TRAINING_VIEW, TRAINING_RECORD, TRAINING_APPROVE}
ROLE_PERMISSIONS["line_manager"] |= {TRAINING_VIEW, TRAINING_RECORD}
ROLE_PERMISSIONS["performance_analyst"] |= {TRAINING_VIEW}
ROLE_PERMISSIONS["service_delivery"] |= {TRAINING_VIEW}


def _has(user: Any, perm: str) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(perm))


def may_view(user: Any) -> bool:
    return _has(user, VIEW)


def may_update_action(user: Any, action: Any) -> bool:
    """The owner of an action, or anyone who manages actions, may post an update."""
    return _has(user, MANAGE) or bool(user and action.owner_id == getattr(user, "pk", None))


def may_sign_off(user: Any, action: Any) -> bool:
    return _has(user, SIGN_OFF) and action.owner_id != user.pk


# --- fairness and data quality (items 4-5) predicates ---
def may_answer_disparity_review(user: Any, review: Any) -> bool:
    """The item's owner records the answer (or anyone who manages the items, on their behalf)."""
    return bool(user and user.is_authenticated) and (
        review.owner_id == user.pk or _has(user, MANAGE_DISPARITY_REVIEWS)
    )


def may_close_disparity_review(user: Any, review: Any) -> bool:
    """Accepting an answer is for someone who manages the items and is not its owner."""
    return _has(user, MANAGE_DISPARITY_REVIEWS) and review.owner_id != user.pk


# --- objectives (item 2) predicates ---
def may_manage_team_objectives(user: Any, team_id: int | None) -> bool:
    """Setting or editing a team's (or its people's) objectives: a manager of that team (a member
    holding OBJECTIVES_MANAGE), or anyone holding OBJECTIVES_ANY_TEAM."""
    if not _has(user, OBJECTIVES_MANAGE) or team_id is None:
        return False
    return _has(user, OBJECTIVES_ANY_TEAM) or user.teams.filter(pk=team_id).exists()


def may_view_objective(user: Any, objective: Any) -> bool:
    """Readers of objectives, the objective's owner and the person it is for."""
    if not (user and user.is_authenticated):
        return False
    return _has(user, OBJECTIVES_VIEW) or user.pk in (objective.owner_id, objective.person_id)


def may_post_objective_update(user: Any, objective: Any) -> bool:
    """The owner (and the person it is for) comment; so may a manager of its team."""
    if not (user and user.is_authenticated):
        return False
    return user.pk in (objective.owner_id, objective.person_id) or may_manage_team_objectives(
        user, objective.team_id
    )


# --- governance: risks, supplier issues, complaints, lessons (item 6) ---
# Risk registers and the supplier issues log are governance records naming staff and a supplier,
# not the people Waymark manages. Complaints are personal data: read only with VIEW_COMPLAINTS (or
# by the complaint's handler), every read audited. Lessons are written to be shared: every member
# of staff may read and search them (external partners, the supplier's machine client and system
# administrators may not).
VIEW_RISKS = "oversight.view_risks"
MANAGE_RISKS = "oversight.manage_risks"
ACCEPT_RISKS = "oversight.accept_risks"
VIEW_COMPLAINTS = "oversight.view_complaints"
MANAGE_COMPLAINTS = "oversight.manage_complaints"
ANALYSE_COMPLAINTS = "oversight.analyse_complaints"
# Whoever reads correspondence may record a complaint that arrives in it (000 §5.93: complaints
# went unrecognised in shared mailboxes); the complaints team allocates it. Granted at start-up to
# every role holding correspondence's view permission (``registrations.register``).
RECORD_COMPLAINTS = "oversight.record_complaints"
VIEW_LESSONS = "oversight.view_lessons"
MANAGE_LESSONS = "oversight.manage_lessons"

# The service delivery manager owns the EM contract and the directorate's registers and accepts
# risks; the assurance team keeps the registers and the complaints process and accepts risks it
# does not own; line managers own and review risks, read complaints (they are allocated them) and
# record lessons; analysts read the registers and the complaint themes; the data protection
# officer reads complaints (data complaints are theirs) and the themes.
GOVERNANCE_GRANTS: dict[str, frozenset[str]] = {
    "service_delivery": frozenset(
        {
            VIEW_RISKS,
            MANAGE_RISKS,
            ACCEPT_RISKS,
            VIEW_COMPLAINTS,
            MANAGE_COMPLAINTS,
            ANALYSE_COMPLAINTS,
            VIEW_LESSONS,
            MANAGE_LESSONS,
        }
    ),
    "assurance": frozenset(
        {
            VIEW_RISKS,
            MANAGE_RISKS,
            ACCEPT_RISKS,
            VIEW_COMPLAINTS,
            MANAGE_COMPLAINTS,
            ANALYSE_COMPLAINTS,
            VIEW_LESSONS,
            MANAGE_LESSONS,
        }
    ),
    "line_manager": frozenset(
        {
            VIEW_RISKS,
            MANAGE_RISKS,
            VIEW_COMPLAINTS,
            ANALYSE_COMPLAINTS,
            VIEW_LESSONS,
            MANAGE_LESSONS,
        }
    ),
    "performance_analyst": frozenset({VIEW_RISKS, ANALYSE_COMPLAINTS, VIEW_LESSONS}),
    "data_protection": frozenset({VIEW_RISKS, VIEW_COMPLAINTS, ANALYSE_COMPLAINTS, VIEW_LESSONS}),
}
# Every other member of staff reads the lessons.
LESSON_READERS: tuple[str, ...] = (
    "case_owner",
    "em_caseworker",
    "reporting_centre",
    "field_officer",
    "officer_in_charge",
    "authorising_officer",
    "nrm_decision_maker",
    "technical_specialist",
    "removals",
    "records_manager",
)
for _role, _grant in GOVERNANCE_GRANTS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS.get(_role, frozenset()) | _grant
for _role in LESSON_READERS:
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS.get(_role, frozenset()) | {VIEW_LESSONS}


def may_view_complaint(user: Any, complaint: Any) -> bool:
    """Those who see complaints, and the complaint's handler."""
    return _has(user, VIEW_COMPLAINTS) or bool(
        user and complaint.handler_id and complaint.handler_id == getattr(user, "pk", None)
    )


def may_respond_complaint(user: Any, complaint: Any) -> bool:
    """The handler responds; so may anyone who manages complaints, on their behalf."""
    return _has(user, MANAGE_COMPLAINTS) or bool(
        user and complaint.handler_id and complaint.handler_id == getattr(user, "pk", None)
    )


def may_review_risk(user: Any, risk: Any) -> bool:
    """The risk's owner reviews it; so may anyone who keeps the registers."""
    return _has(user, MANAGE_RISKS) or bool(user and risk.owner_id == getattr(user, "pk", None))


def may_accept_risk(user: Any, risk: Any) -> bool:
    """Acceptance is for someone who may accept risks and does not own this one."""
    return _has(user, ACCEPT_RISKS) and risk.owner_id != getattr(user, "pk", None)
