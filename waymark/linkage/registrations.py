"""What record linkage tells the platform at start-up (called from ``LinkageConfig.ready``): its
permissions on the platform roles, its navigation entry and person tab, and its task types with
their deadline rules. A second, different registration of a name already taken raises at
start-up."""

from __future__ import annotations

from waymark.core.models import AuditAction

# Every audit verb this app records, with its s62 category: ``core.audit.declared_verbs`` gathers
# them, the suite refuses an undeclared one, and tests/test_platform_contract.py checks the code.
AUDIT_VERBS: dict[str, str] = {
    "linkage.bulk_check_completed": AuditAction.COMBINATION,
    "linkage.bulk_check_failed": AuditAction.COMBINATION,
    "linkage.bulk_check_started": AuditAction.COMBINATION,
    "linkage.bulk_match_confirmed": AuditAction.COMBINATION,
    "linkage.bulk_match_decided": AuditAction.ALTERATION,
    "linkage.bulk_match_found": AuditAction.COMBINATION,
    "linkage.bulk_match_viewed": AuditAction.CONSULTATION,
    "linkage.import_cancelled": AuditAction.COLLECTION,
    "linkage.import_checked": AuditAction.COLLECTION,
    "linkage.import_completed": AuditAction.COLLECTION,
    "linkage.import_confirmed": AuditAction.COLLECTION,
    "linkage.import_failed": AuditAction.COLLECTION,
    "linkage.import_mapped": AuditAction.ALTERATION,
    "linkage.import_rejections_viewed": AuditAction.CONSULTATION,
    "linkage.import_warnings_viewed": AuditAction.CONSULTATION,
    "linkage.import_report_downloaded": AuditAction.DISCLOSURE,
    "linkage.import_started": AuditAction.COLLECTION,
    "linkage.import_uploaded": AuditAction.COLLECTION,
    "linkage.new_criminality_exported": AuditAction.DISCLOSURE,
    "linkage.ownership_found": AuditAction.ALTERATION,
    "linkage.ownership_owner_set": AuditAction.ALTERATION,
    "linkage.ownership_to_decide": AuditAction.ALTERATION,
    "linkage.pair_decided": AuditAction.ALTERATION,
    "linkage.pair_matched": AuditAction.COMBINATION,
    "linkage.pair_viewed": AuditAction.CONSULTATION,
    "linkage.match_checked": AuditAction.CONSULTATION,
    "linkage.person_matched": AuditAction.CONSULTATION,
    "linkage.record_viewed": AuditAction.CONSULTATION,
    "linkage.records_attached": AuditAction.COMBINATION,
    "linkage.run_completed": AuditAction.COMBINATION,
    "linkage.run_failed": AuditAction.COMBINATION,
    "linkage.run_started": AuditAction.COMBINATION,
}


def register() -> None:
    from waymark.accounts.roles import register_role_permissions
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.navigation import NavItem, register_nav
    from waymark.linkage import rules
    from waymark.linkage.permissions import IMPORT_RECORDS, LINK_RECORDS, REVIEW_LINKS
    from waymark.people.tabs import PersonTab, register_person_tab
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.rules import WorkingDays, register_deadline_rule

    register_role_permissions("records_manager", {IMPORT_RECORDS, LINK_RECORDS, REVIEW_LINKS})
    # Assurance sees the runs and their measured accuracy, and the review queue, but decides nothing.
    register_role_permissions("assurance", {LINK_RECORDS})
    # Not the system administrator: linkage pages show police and legacy records (names, dates of
    # birth, nationalities, postcodes) that only the people doing linkage need (issue 14 item 10).

    register_nav(NavItem("Record linkage", "linkage:home", LINK_RECORDS, 70))
    register_person_tab(PersonTab("linkage", "Linked records", "linkage:person", LINK_RECORDS, 60))

    register_deadline_rule(rules.DEADLINE_REVIEW_PAIR, WorkingDays(rules.REVIEW_PAIR_WORKING_DAYS))
    register_deadline_rule(
        rules.DEADLINE_BULK_MATCH, WorkingDays(rules.BULK_MATCH_REVIEW_WORKING_DAYS)
    )
    register_deadline_rule(
        rules.DEADLINE_NEW_CRIMINALITY, WorkingDays(rules.NEW_CRIMINALITY_WORKING_DAYS)
    )
    for key, label, queue, deadline in [
        (
            rules.TASK_REVIEW_PAIR,
            "Decide whether two records are the same person",
            rules.QUEUE_REVIEW,
            rules.DEADLINE_REVIEW_PAIR,
        ),
        (
            rules.TASK_REVIEW_BULK_MATCH,
            "Review a possible police record match",
            rules.QUEUE_BULK_CHECK,
            rules.DEADLINE_BULK_MATCH,
        ),
        (
            rules.TASK_NEW_CRIMINALITY,
            "Act on criminality not previously known",
            "",
            rules.DEADLINE_NEW_CRIMINALITY,
        ),
    ]:
        register_task_type(TaskType(key, label, "linkage", queue, deadline))
    # After criminal casework's demo: the demo's linkage sources name casework's people.
    register_demo_loader(DemoLoader("linkage", _demo_load, order=40))
    # Other modules (the NRM referral's person matching) ask the match model through core.published.
    from waymark.core.published import publish
    from waymark.linkage import services

    publish("linkage.person_match", services.person_match)
    # The page each kind of task subject opens on (the task page links to it).
    from waymark.work.registry import SubjectLink, register_subject_link

    for subject_type, label, url_name in (
        ("linkage.candidatepair", "Compare the pair", "linkage:pair"),
        ("linkage.bulkcheckmatch", "Open the police match", "linkage:bulk-match"),
    ):
        register_subject_link(SubjectLink(subject_type, label, url_name))
    register_oversight_feeds()


def _demo_load(**options):
    from waymark.linkage.demo import linkage_demo_load

    return linkage_demo_load(**options)


def register_oversight_feeds() -> None:
    """What this module gives oversight through the platform's registries (issue 20); oversight
    never imports a module, so each module declares its own work, figures and decision points."""
    # --- quality-assurance work kinds (item 1) ---
    # --- competence required per task type (item 2) ---
    from waymark.work.registry import CompetenceKind, register_competence, require_competence

    register_competence(
        CompetenceKind(
            "record_linkage_reviewer",
            "Record linkage reviewer",
            "Decides whether two records are the same person, and police record matches",
        )
    )
    for task_type in ("linkage.review_pair", "linkage.review_bulk_match"):
        require_competence(task_type, "record_linkage_reviewer")
    # --- metric definitions (item 3) ---
    # --- fairness decision points and data-quality rules (items 4-5) ---
