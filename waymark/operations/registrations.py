"""Everything enforcement operations tells the platform at start-up (docs/platform-contracts.md):
role permissions, navigation, deadline rules and task types, and the demo loader.
``OperationsConfig.ready()`` calls ``register()``. Registering a different definition under a name
already taken raises: a conflict shows at start-up, never hidden."""

from __future__ import annotations

from waymark.core.models import AuditAction
from waymark.operations.models import VisitStatus
from waymark.operations.rules import ENTRY_TYPES

# Every audit verb this app records, with its s62 category: ``core.audit.declared_verbs`` gathers
# them, the suite refuses an undeclared one, and tests/test_platform_contract.py checks the code.
AUDIT_VERBS: dict[str, str] = {
    "operations.authorisation_granted": AuditAction.COLLECTION,
    "operations.authorisation_lapsed": AuditAction.ALTERATION,
    "operations.authorisation_refused": AuditAction.COLLECTION,
    "operations.authorisation_requested": AuditAction.COLLECTION,
    "operations.briefing_accepted": AuditAction.COLLECTION,
    "operations.check_recorded": AuditAction.CONSULTATION,
    "operations.command_set": AuditAction.ALTERATION,
    "operations.debrief.revised": AuditAction.ALTERATION,
    "operations.debrief.submitted": AuditAction.COLLECTION,
    "operations.ecia_completed": AuditAction.COLLECTION,
    "operations.intelligence_actioned": AuditAction.ALTERATION,
    "operations.intelligence_recorded": AuditAction.COLLECTION,
    "operations.measures_exported": AuditAction.DISCLOSURE,
    "operations.notification_answered": AuditAction.COLLECTION,
    "operations.notification_sent": AuditAction.DISCLOSURE,
    "operations.objective_changed": AuditAction.ALTERATION,
    "operations.objective_created": AuditAction.COLLECTION,
    "operations.objective_measure_added": AuditAction.COLLECTION,
    "operations.objective_measure_changed": AuditAction.ALTERATION,
    "operations.objective_measure_removed": AuditAction.ERASURE,
    "operations.officer_assigned": AuditAction.COLLECTION,
    "operations.order_written": AuditAction.COLLECTION,
    "operations.plan_assessed": AuditAction.COLLECTION,
    "operations.plan_changed": AuditAction.ALTERATION,
    "operations.police_phone_check": AuditAction.COLLECTION,
    "operations.premises_recorded": AuditAction.COLLECTION,
    "operations.question.saved": AuditAction.COLLECTION,
    "operations.reconnaissance_recorded": AuditAction.COLLECTION,
    "operations.risk_assessed": AuditAction.COLLECTION,
    "operations.seizure.signed_off": AuditAction.ALTERATION,
    "operations.visit.closed": AuditAction.ALTERATION,
    "operations.visit_planned": AuditAction.COLLECTION,
    "operations.visit_updated": AuditAction.ALTERATION,
    # Built at run time: a visit's status change, an intelligence decision, one per entry type.
    **{f"operations.visit_{status}": AuditAction.ALTERATION for status in VisitStatus.values},
    **{
        f"operations.intelligence_{status}": AuditAction.ALTERATION
        for status in ("accepted", "rejected")
    },
    **{f"operations.entry.{kind}": AuditAction.COLLECTION for kind in ENTRY_TYPES},
}


# The journey steps whose pages link to their guidance (``waymark.guidance.links``): the guidance
# hub's link check reports any whose page is missing or withdrawn.
GUIDANCE_STEPS = (
    "operations.intelligence",
    "operations.plan",
    "operations.risk_assessment",
    "operations.ecia",
    "operations.plan_assessment",
    "operations.authorise",
    "operations.checks",
    "operations.notification",
    "operations.reconnaissance",
    "operations.command",
    "operations.order",
    "operations.briefing",
    "operations.deploy",
    "operations.arrival",
    "operations.entry",
    "operations.encounter",
    "operations.interview",
    "operations.seizure",
    "operations.safeguarding",
    "operations.employer_sanction",
    "operations.engagement",
    "operations.critical_incident",
    "operations.offline",
    "operations.debrief",
    "operations.closure",
    "operations.measures",
)


def register() -> None:
    from waymark.accounts.roles import register_role_permissions
    from waymark.guidance.links import register_guidance_steps

    register_guidance_steps("operations", GUIDANCE_STEPS)
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.navigation import NavItem, register_nav
    from waymark.core.saved_views import FilterPage, register_filter_page
    from waymark.operations import permissions as perms

    for role, codenames in perms.ROLE_PERMISSIONS.items():
        register_role_permissions(role, set(codenames))

    from waymark.core.read_models import ReadModel, register_read_model
    from waymark.operations.models import MeasureFact
    from waymark.operations.services.measures_read_model import measures_read_model_rebuild

    register_read_model(
        ReadModel(
            "operations.measures",
            "Measures of effort and effect",
            measures_read_model_rebuild,
            (MeasureFact,),
        )
    )

    register_nav(NavItem("Enforcement visits", "operations:home", perms.VIEW_OPERATIONS, 40))
    # The visits list's filters may be saved, and are remembered (core.saved_views); the dates
    # are GOV.UK date inputs (day, month, year).
    dates = [f"{name}_{part}" for name in ("date_from", "date_to") for part in range(3)]
    register_filter_page(FilterPage("operations:home", ("status", "rating", *dates)))
    register_nav(NavItem("Authorisations", "operations:authorisations", perms.AUTHORISE, 41))
    register_nav(NavItem("Notification forms", "operations:partner-home", perms.ANSWER, 42))
    register_nav(NavItem("In the field", "operations:field-visits", perms.RECORD, 43))
    register_nav(
        NavItem(
            "Enforcement measures",
            "operations:measures",
            perms.VIEW_MEASURES,
            82,
            group="figures",
            description="Enforcement visits against their objectives and targets.",
        )
    )
    task_types_register()
    # After the EM Hub's and criminal casework's demos: visits meet people they created.
    register_demo_loader(DemoLoader("operations", _demo_load, order=30))
    # The page each kind of task subject opens on (the task page links to it).
    from waymark.work.registry import SubjectLink, register_subject_link

    for subject_type, label, url_name in (
        ("operations.visit", "Open the visit", "operations:visit"),
        (
            "operations.intelligencepackage",
            "Open the intelligence package",
            "operations:intelligence",
        ),
    ):
        register_subject_link(SubjectLink(subject_type, label, url_name))
    register_oversight_feeds()


def _demo_load(**options):
    from waymark.operations.demo import operations_demo_load

    return operations_demo_load(**options)


def task_types_register() -> None:
    """Task types and deadline rules for the planning steps (brief operations.md §1-§5, §7)."""
    from waymark.operations import rules
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.rules import CalendarHours, register_deadline_rule

    register_deadline_rule(
        rules.DEADLINE_ONF_RESPONSE,
        CalendarHours(int(rules.ONF_POLICE_RESPONSE.total_seconds() // 3600)),
    )
    register_deadline_rule(
        rules.DEADLINE_CLOSURE, CalendarHours(int(rules.CLOSURE_DUE.total_seconds() // 3600))
    )
    register_deadline_rule(rules.DEADLINE_BEFORE_VISIT, CalendarHours(0))
    types = [
        (
            rules.TASK_AUTHORISE,
            "Authorise an enforcement visit",
            rules.QUEUE_AUTHORISATION,
            rules.DEADLINE_BEFORE_VISIT,
        ),
        (
            rules.TASK_ONF_CHASE,
            "Chase the police for the operational notification form (72 hours)",
            "",
            rules.DEADLINE_ONF_RESPONSE,
        ),
        (
            rules.TASK_BRIEFING,
            "Accept the briefing for an enforcement visit",
            "",
            rules.DEADLINE_BEFORE_VISIT,
        ),
        (rules.TASK_CLOSE, "Close the enforcement visit (48 hours)", "", rules.DEADLINE_CLOSURE),
        (rules.TASK_INTELLIGENCE, "Assess an intelligence package", "", ""),
        (
            rules.TASK_PLAN_CHANGED,
            "The plan changed materially: re-authorise and re-brief",
            "",
            rules.DEADLINE_BEFORE_VISIT,
        ),
    ]
    # Each task type's guidance page, by step key (the guidance hub's link check covers these).
    guidance = {
        rules.TASK_AUTHORISE: "operations.authorise",
        rules.TASK_ONF_CHASE: "operations.notification",
        rules.TASK_BRIEFING: "operations.briefing",
        rules.TASK_CLOSE: "operations.closure",
        rules.TASK_INTELLIGENCE: "operations.intelligence",
        rules.TASK_PLAN_CHANGED: "operations.authorise",
    }
    for key, label, queue_slug, deadline_rule in types:
        register_task_type(
            TaskType(
                key, label, "operations", queue_slug, deadline_rule, guidance=guidance.get(key, "")
            )
        )


def register_oversight_feeds() -> None:
    """What this module gives oversight through the platform's registries (issue 20); oversight
    never imports a module, so each module declares its own work, figures and decision points."""
    # --- quality-assurance work kinds (item 1) ---
    # --- competence required per task type (item 2) ---
    from waymark.work.registry import CompetenceKind, register_competence, require_competence

    register_competence(
        CompetenceKind(
            "visit_authorising_officer",
            "Enforcement visit authorising officer",
            "Authorises enforcement visits and their re-authorisation after a material change",
        )
    )
    for task_type in ("ops_authorise_visit", "ops_plan_changed"):
        require_competence(task_type, "visit_authorising_officer")
    # --- metric definitions (item 3) ---
    # --- fairness decision points and data-quality rules (items 4-5) ---
