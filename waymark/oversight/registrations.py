"""Everything oversight tells the platform at start-up (docs/platform-contracts.md): role
permissions, navigation, the demo loader, and ``AUDIT_VERBS``. ``OversightConfig.ready()`` calls
``register()``. Registering a different definition under a name already taken raises."""

from __future__ import annotations

from waymark.core.models import AuditAction

# Every audit verb this app records, with its s62 category.
AUDIT_VERBS: dict[str, str] = {
    # --- governance: recommendations and actions tracker (issue 20 item 6) ---
    "oversight.recommendations_seeded": AuditAction.COLLECTION,
    "oversight.action_added": AuditAction.COLLECTION,
    "oversight.action_updated": AuditAction.ALTERATION,
    "oversight.action_closed": AuditAction.ALTERATION,
    "oversight.action_reopened": AuditAction.ALTERATION,
    "oversight.tracker_exported": AuditAction.DISCLOSURE,
    "oversight.risk_register_exported": AuditAction.DISCLOSURE,
    "oversight.risk_edited": AuditAction.ALTERATION,
    "oversight.complaints_exported": AuditAction.DISCLOSURE,
    "oversight.complaint_themes_exported": AuditAction.DISCLOSURE,
    # --- quality assurance (item 1) ---
    "oversight.qa_checklists_seeded": AuditAction.COLLECTION,
    "oversight.qa_rule_created": AuditAction.COLLECTION,
    "oversight.qa_sample_drawn": AuditAction.COLLECTION,
    "oversight.qa_reviewed": AuditAction.COLLECTION,
    "oversight.qa_disputed": AuditAction.COLLECTION,
    "oversight.qa_dispute_decided": AuditAction.ALTERATION,
    "oversight.qa_learning_done": AuditAction.ALTERATION,
    "oversight.qa_observation_recorded": AuditAction.COLLECTION,
    # item 1, part 2: checklist versions, rule changes, resuming discontinued sampling
    "oversight.qa_checklist_versioned": AuditAction.COLLECTION,
    "oversight.qa_rule_changed": AuditAction.ALTERATION,
    "oversight.qa_rule_ended": AuditAction.ALTERATION,
    "oversight.qa_sampling_resumed": AuditAction.ALTERATION,
    # --- competence (item 2) ---
    # --- metrics (item 3) ---
    "oversight.metrics_snapshot_taken": AuditAction.COLLECTION,
    "oversight.metrics_exported": AuditAction.DISCLOSURE,
    "oversight.metric_snapshots_exported": AuditAction.DISCLOSURE,
    "oversight.dashboard_exported": AuditAction.DISCLOSURE,
    # --- fairness and data quality (items 4-5) ---
    "oversight.disparity_review_opened": AuditAction.COLLECTION,
    "oversight.disparity_review_answered": AuditAction.ALTERATION,
    "oversight.disparity_review_closed": AuditAction.ALTERATION,
    "oversight.disparity_review_returned": AuditAction.ALTERATION,
    "oversight.fairness_exported": AuditAction.DISCLOSURE,
    "oversight.data_quality_measured": AuditAction.COLLECTION,
    # --- objectives, quality per person, training needs (item 2) ---
    "oversight.objective_set": AuditAction.COLLECTION,
    "oversight.objective_edited": AuditAction.ALTERATION,
    "oversight.objective_measured": AuditAction.COLLECTION,
    "oversight.objective_update_posted": AuditAction.COLLECTION,
    "oversight.objective_closed": AuditAction.ALTERATION,
    "oversight.objective_carried_over": AuditAction.ALTERATION,
    "oversight.objectives_exported": AuditAction.DISCLOSURE,
    # --- governance: risks, supplier issues, complaints, lessons (item 6) ---
    "oversight.risk_register_created": AuditAction.COLLECTION,
    "oversight.risk_added": AuditAction.COLLECTION,
    "oversight.risk_reviewed": AuditAction.COLLECTION,
    "oversight.risk_accepted": AuditAction.COLLECTION,
    "oversight.risk_closed": AuditAction.ALTERATION,
    "oversight.risk_reopened": AuditAction.ALTERATION,
    "oversight.supplier_issue_raised": AuditAction.COLLECTION,
    "oversight.supplier_issue_moved": AuditAction.ALTERATION,
    "oversight.complaint_recorded": AuditAction.COLLECTION,
    "oversight.complaint_allocated": AuditAction.ALTERATION,
    "oversight.complaint_responded": AuditAction.ALTERATION,
    "oversight.complaint_review_requested": AuditAction.ALTERATION,
    "oversight.complaint_review_allocated": AuditAction.ALTERATION,
    "oversight.complaint_review_responded": AuditAction.ALTERATION,
    "oversight.complaint_ombudsman_referred": AuditAction.ALTERATION,
    "oversight.complaint_ombudsman_decided": AuditAction.ALTERATION,
    "oversight.lesson_recorded": AuditAction.COLLECTION,
    # --- training records (item 2) ---
    "oversight.training_course_added": AuditAction.COLLECTION,
    "oversight.training_course_approved": AuditAction.ALTERATION,
    "oversight.training_course_withdrawn": AuditAction.ALTERATION,
    "oversight.training_session_recorded": AuditAction.COLLECTION,
    "oversight.training_records_exported": AuditAction.DISCLOSURE,
}


def _demo_load(**options):
    from waymark.oversight.demo import oversight_demo_load

    return oversight_demo_load(**options)


# --- quality assurance (item 1) ---
QA_TASK_REVIEW = "oversight.qa_review"
QA_TASK_CORRECT = "oversight.qa_correct"
QA_TASK_DISPUTE = "oversight.qa_dispute"


def _qa_demo_load(**options):
    from waymark.oversight.demo_qa import qa_demo_load

    return qa_demo_load(**options)


def _qa_register() -> None:
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.navigation import NavItem, register_nav
    from waymark.oversight import permissions as perms
    from waymark.work.registry import (
        SubjectLink,
        TaskType,
        register_subject_link,
        register_task_type,
    )

    register_nav(
        NavItem(
            "Quality assurance",
            "oversight:qa-home",
            perms.QA_VIEW,
            85,
            group="figures",
            description="Sampling rules, samples to review, reviews, disputes, observations and "
            "trends.",
        )
    )
    from waymark.oversight import rules
    from waymark.work.rules import WorkingDays, register_deadline_rule

    for key, label, days in (
        (QA_TASK_REVIEW, "Review a sampled piece of work", rules.QA_REVIEW_WORKING_DAYS),
        (QA_TASK_CORRECT, "Put right what a quality review found", rules.QA_CORRECT_WORKING_DAYS),
        (
            QA_TASK_DISPUTE,
            "Decide a dispute about a quality review",
            rules.QA_DISPUTE_DECISION_WORKING_DAYS,
        ),
    ):
        register_deadline_rule(key, WorkingDays(days))
        register_task_type(TaskType(key, label, "oversight", "", key))
    register_subject_link(
        SubjectLink("oversight.sampleitem", "Open the sampled work", "oversight:qa-item")
    )
    register_subject_link(
        SubjectLink("oversight.qareview", "Open the quality review", "oversight:qa-review")
    )
    # After the other modules' demos (it samples their work) and the tracker's.
    register_demo_loader(DemoLoader("oversight_qa", _qa_demo_load, order=91))


def _competence_register() -> None:
    """Competence (issue 20 item 2): grants are in permissions.py; the pages' navigation entry, and
    the demo's sign-offs, after every module's demo (order 95: modules add users and queues), so
    the demo's decision makers hold the competences their work needs and "get next" gives it."""
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.navigation import NavItem, register_nav
    from waymark.oversight import permissions as perms

    register_nav(
        NavItem(
            "Competence",
            "oversight:competence-list",
            perms.COMPETENCE_VIEW,
            87,
            group="figures",
            description="Who is signed off for which work, what expires soon, per team.",
        )
    )

    def _load(**options):
        from waymark.oversight.competence_demo import competence_demo_load

        return competence_demo_load(**options)

    register_demo_loader(DemoLoader("competence", _load, order=95))


def _objectives_register() -> None:
    """Objectives, quality per person, training needs (issue 20 item 2): navigation in the
    figures hub, the monthly measuring sweep (daily: each run replaces the month's measurement
    with the figure's latest value), and the demo's year of objectives after the QA demo (order
    93: it reads the teams and people every module's demo made; before competence, which must
    run last)."""
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.navigation import NavItem, register_nav
    from waymark.oversight import permissions as perms
    from waymark.work.sweeps import register_sweep

    register_nav(
        NavItem(
            "Objectives",
            "oversight:objectives",
            perms.OBJECTIVES_VIEW,
            88,
            group="figures",
            description="Team and personal objectives linked to service priorities, with "
            "targets, red/amber/green and their history.",
        )
    )
    register_nav(
        NavItem(
            "Training needs",
            "oversight:training-needs",
            perms.TRAINING_NEEDS_VIEW,
            89,
            group="figures",
            description="Training suggested by recent quality-review failures, per team and "
            "person.",
        )
    )

    def _sweep():
        from waymark.oversight.services.objectives import objectives_measure_sweep

        return objectives_measure_sweep()

    register_sweep("oversight.objectives_measure", _sweep)

    def _load(**options):
        from waymark.oversight.demo_objectives import objectives_demo_load

        return objectives_demo_load(**options)

    register_demo_loader(DemoLoader("oversight_objectives", _load, order=93))
    # Training records (item 2): beside training needs; the demo after competence's (its trainers
    # are the demo's signed-off competence assessors).
    register_nav(
        NavItem(
            "Training",
            "oversight:training",
            perms.TRAINING_VIEW,
            90,
            group="figures",
            description="Training courses, their approved content and yearly review, sessions "
            "and who completed them.",
        )
    )

    def _load_training(**options):
        from waymark.oversight.demo_training import training_demo_load

        return training_demo_load(**options)

    register_demo_loader(DemoLoader("oversight_training", _load_training, order=96))


# --- governance: risks, supplier issues, complaints, lessons (item 6) ---
def _governance_register() -> None:
    """Navigation (in the figures hub beside the tracker), the task types and deadlines of the
    complaint, overdue-review and overdue-action tasks, the two sweeps, the task pages' links to
    their subjects, and the demo loader (after the tracker's: it reads the demo's users)."""
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.navigation import NavItem, register_nav
    from waymark.oversight import permissions as perms
    from waymark.oversight import rules
    from waymark.oversight.services.governance import actions_overdue_sweep, risk_reviews_sweep
    from waymark.work.registry import (
        SubjectLink,
        TaskType,
        register_subject_link,
        register_task_type,
    )
    from waymark.work.rules import DEADLINE_AT_START, WorkingDays, register_deadline_rule
    from waymark.work.sweeps import register_sweep

    for label, url_name, permission, order, description in (
        (
            "Risk registers",
            "oversight:risk-registers",
            perms.VIEW_RISKS,
            84,
            "The directorate's and the EM contract's joint risk registers, their reviews, and "
            "the supplier issues log.",
        ),
        (
            "Complaints",
            "oversight:complaints",
            perms.VIEW_COMPLAINTS,
            84,
            "Complaints received by any channel, who is answering each, and whether it is "
            "answered within 20 working days.",
        ),
        (
            "Complaint themes",
            "oversight:complaint-themes",
            perms.ANALYSE_COMPLAINTS,
            84,
            "Complaints by theme and month, with the share answered on time.",
        ),
        (
            "Lessons learned",
            "oversight:lessons",
            perms.VIEW_LESSONS,
            84,
            "What reviews, litigation and incidents have taught us, searchable.",
        ),
    ):
        register_nav(
            NavItem(label, url_name, permission, order, group="figures", description=description)
        )
    register_deadline_rule(
        rules.RISK_REVIEW_TASK_TYPE, WorkingDays(rules.GOVERNANCE_TASK_WORKING_DAYS)
    )
    register_deadline_rule(
        rules.ACTION_OVERDUE_TASK_TYPE, WorkingDays(rules.GOVERNANCE_TASK_WORKING_DAYS)
    )
    # A complaint's task is due at the end of its target date; the sweeps' tasks within
    # GOVERNANCE_TASK_WORKING_DAYS of being raised (deadline rules named after the task types).
    for key, label, deadline in (
        (rules.COMPLAINT_TASK_TYPE, "Respond to a complaint", DEADLINE_AT_START),
        (
            rules.RISK_REVIEW_TASK_TYPE,
            "Review a risk whose review is overdue",
            rules.RISK_REVIEW_TASK_TYPE,
        ),
        (
            rules.ACTION_OVERDUE_TASK_TYPE,
            "Bring an overdue recommendation action up to date",
            rules.ACTION_OVERDUE_TASK_TYPE,
        ),
    ):
        register_task_type(TaskType(key, label, "oversight", "", deadline))
    register_subject_link(
        SubjectLink("oversight.complaint", "Open the complaint", "oversight:complaint")
    )
    register_subject_link(SubjectLink("oversight.risk", "Open the risk", "oversight:risk"))
    register_subject_link(
        SubjectLink("oversight.action", "Post an update on the action", "oversight:action-update")
    )
    register_sweep("oversight.risk_reviews", risk_reviews_sweep)
    register_sweep("oversight.actions_overdue", actions_overdue_sweep)

    def _load(**options):
        from waymark.oversight.demo_governance import governance_demo_load

        return governance_demo_load(**options)

    register_demo_loader(DemoLoader("oversight_governance", _load, order=92))


def register() -> None:
    from waymark.accounts.roles import register_role_permissions
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.navigation import NavItem, register_nav
    from waymark.oversight import permissions as perms

    for role_key, codenames in perms.ROLE_PERMISSIONS.items():
        register_role_permissions(role_key, set(codenames))
    # A letter or email that is a complaint (000 §5.93: complaints went unrecognised) is
    # recorded from the correspondence page by whoever reads it, its details carried over and the
    # item kept linked; the complaints team allocates it.
    from waymark.accounts.roles import ROLES
    from waymark.core.follow_ups import CorrespondenceFollowUp, register_correspondence_follow_up
    from waymark.oversight.rules import COMPLAINT_RESPONSE_WORKING_DAYS

    for key, role in list(ROLES.items()):
        if "correspondence.view_correspondenceitem" in role.permissions:
            register_role_permissions(key, {perms.RECORD_COMPLAINTS})
    register_correspondence_follow_up(
        CorrespondenceFollowUp(
            "Record it as a complaint",
            "oversight:complaint-from-correspondence",
            perms.RECORD_COMPLAINTS,
            hint="The complaints process: a handler, and a response within "
            f"{COMPLAINT_RESPONSE_WORKING_DAYS} working days",
        )
    )
    # In the figures hub with the other oversight pages: the bar holds at most eight entries.
    register_nav(
        NavItem(
            "Recommendations",
            "oversight:tracker",
            perms.VIEW,
            84,
            group="figures",
            description="The inspectorates' recommendations, the actions taken and their evidence.",
        )
    )
    # --- quality assurance (item 1): register_nav / tasks here ---
    _qa_register()
    # --- competence (item 2) ---
    _competence_register()
    # --- objectives, quality per person, training needs (item 2) ---
    _objectives_register()
    # --- metrics (item 3) ---
    from waymark.oversight.services.metrics import metrics_snapshot_sweep
    from waymark.work.sweeps import register_sweep

    register_nav(
        NavItem(
            "Figures and definitions",
            "oversight:metrics",
            perms.VIEW_METRICS,
            85,
            group="figures",
            description="Every management figure, defined once, with the checks that totals agree.",
        )
    )
    register_nav(
        NavItem(
            "Dashboards",
            "oversight:dashboards",
            perms.VIEW_METRICS,
            85,
            group="figures",
            description="Each area's figures for a period and team you choose, with their "
            "trends by month.",
        )
    )
    register_sweep("oversight.metrics_snapshot", metrics_snapshot_sweep)
    # --- fairness and data quality (items 4-5) ---
    register_nav(
        NavItem(
            "Fairness monitoring",
            "oversight:fairness",
            perms.VIEW_FAIRNESS,
            86,
            group="figures",
            description="Outcomes at each decision point by vulnerability, protected "
            "characteristic, nationality, sector and team, and the explain-or-reform items.",
        )
    )
    register_nav(
        NavItem(
            "Data quality",
            "oversight:data-quality",
            perms.VIEW_DATA_QUALITY,
            87,
            group="figures",
            description="Every module's data-quality rules by dimension, scored by team over "
            "time, with the failing records sent to their owners.",
        )
    )
    from waymark.oversight import rules
    from waymark.oversight.services.data_quality import data_quality_sweep
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.rules import WorkingDays, register_deadline_rule
    from waymark.work.sweeps import register_sweep

    register_deadline_rule(
        rules.DATA_QUALITY_DEADLINE, WorkingDays(rules.DATA_QUALITY_FIX_WORKING_DAYS)
    )
    register_task_type(
        TaskType(
            rules.DATA_QUALITY_TASK_TYPE,
            "Put right a record that fails a data-quality rule",
            "oversight",
            "",
            rules.DATA_QUALITY_DEADLINE,
        )
    )
    register_sweep("oversight.data_quality", data_quality_sweep)
    # The fairness page reads summary rows (read model ``oversight.fairness``), and a daily sweep
    # opens an explain-or-reform item for each newly flagged disparity.
    from waymark.core.read_models import ReadModel, register_read_model
    from waymark.oversight.models import FairnessCount
    from waymark.oversight.services.fairness import disparity_review_sweep
    from waymark.oversight.services.fairness_read_model import fairness_read_model_rebuild

    register_read_model(
        ReadModel(
            "oversight.fairness",
            "Fairness monitoring figures",
            fairness_read_model_rebuild,
            (FairnessCount,),
        )
    )
    register_sweep("oversight.disparity_reviews", disparity_review_sweep)

    def _fairness_demo_load(**options):
        from waymark.oversight.demo_fairness import fairness_demo_load

        return fairness_demo_load(**options)

    # After the modules' demos (it reads their decisions and data-quality rules).
    register_demo_loader(DemoLoader("oversight_fairness", _fairness_demo_load, order=92))
    from waymark.work.registry import SubjectLink, register_subject_link
    from waymark.work.rules import DEADLINE_AT_START

    register_task_type(
        TaskType(
            rules.DISPARITY_REVIEW_TASK_TYPE,
            "Explain or reform a flagged disparity",
            "oversight",
            "",
            DEADLINE_AT_START,
        )
    )
    register_subject_link(
        SubjectLink(
            "oversight.disparityreview",
            "Open the explain-or-reform item",
            "oversight:fairness-review",
        )
    )
    # After every other module's demo: the tracker reads nothing of theirs, but runs last.
    register_demo_loader(DemoLoader("oversight", _demo_load, order=90))
    # --- governance: risks, supplier issues, complaints, lessons (item 6) ---
    _governance_register()
