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
    # --- quality assurance (item 1) ---
    "oversight.qa_checklists_seeded": AuditAction.COLLECTION,
    "oversight.qa_rule_created": AuditAction.COLLECTION,
    "oversight.qa_sample_drawn": AuditAction.COLLECTION,
    "oversight.qa_reviewed": AuditAction.COLLECTION,
    "oversight.qa_disputed": AuditAction.COLLECTION,
    "oversight.qa_dispute_decided": AuditAction.ALTERATION,
    "oversight.qa_learning_done": AuditAction.ALTERATION,
    "oversight.qa_observation_recorded": AuditAction.COLLECTION,
    # --- competence (item 2) ---
    # --- metrics (item 3) ---
    # --- fairness and data quality (items 4-5) ---
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
    for key, label in (
        (QA_TASK_REVIEW, "Review a sampled piece of work"),
        (QA_TASK_CORRECT, "Put right what a quality review found"),
        (QA_TASK_DISPUTE, "Decide a dispute about a quality review"),
    ):
        register_task_type(TaskType(key, label, "oversight", ""))
    register_subject_link(
        SubjectLink("oversight.sampleitem", "Open the sampled work", "oversight:qa-item")
    )
    register_subject_link(
        SubjectLink("oversight.qareview", "Open the quality review", "oversight:qa-review")
    )
    # After the other modules' demos (it samples their work) and the tracker's.
    register_demo_loader(DemoLoader("oversight_qa", _qa_demo_load, order=91))


def register() -> None:
    from waymark.accounts.roles import register_role_permissions
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.navigation import NavItem, register_nav
    from waymark.oversight import permissions as perms

    for role_key, codenames in perms.ROLE_PERMISSIONS.items():
        register_role_permissions(role_key, set(codenames))
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
    # --- metrics (item 3) ---
    # --- fairness and data quality (items 4-5) ---
    # After every other module's demo: the tracker reads nothing of theirs, but runs last.
    register_demo_loader(DemoLoader("oversight", _demo_load, order=90))
