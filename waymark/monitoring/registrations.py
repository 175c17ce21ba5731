"""Everything the EM Hub tells the platform at start-up (docs/platform-contracts.md): navigation,
the person tab, role permissions, deadline rules and task types, the visibility rule and the
sweeps. ``MonitoringConfig.ready()`` calls ``register()``. Registering a different definition
under a name already taken raises: a conflict shows at start-up, never hidden."""

from __future__ import annotations

from waymark.core.models import AuditAction

SUPPLIER_EVENT_TYPES = (
    "breach.created",
    "breach.ended",
    "fitting.outcome",
    "slot.answer",
    "device.fault",
    "service.figures",
)

# Every audit verb this app records, with its s62 category: ``core.audit.declared_verbs`` gathers
# them, the suite refuses an undeclared one, and tests/test_platform_contract.py checks the code.
AUDIT_VERBS: dict[str, str] = {
    "bail.granted": AuditAction.COLLECTION,
    "em.archive_replayed": AuditAction.COLLECTION,
    "em.challenge_answered": AuditAction.ALTERATION,
    "em.challenge_received": AuditAction.COLLECTION,
    "em.condition_imposed": AuditAction.COLLECTION,
    "em.exemption_decided": AuditAction.COLLECTION,
    "em.exemption_withdrawn": AuditAction.ALTERATION,
    "em.fitting_outcome": AuditAction.COLLECTION,
    "em.joint_log_added": AuditAction.COLLECTION,
    "em.joint_log_closed": AuditAction.ALTERATION,
    "em.ladder_applied": AuditAction.COLLECTION,
    "em.mitigation_decided": AuditAction.ALTERATION,
    "em.mitigation_received": AuditAction.COLLECTION,
    "em.order_created": AuditAction.COLLECTION,
    "em.order_send_failed": AuditAction.DISCLOSURE,
    "em.order_sent": AuditAction.DISCLOSURE,
    "em.referral_opened": AuditAction.COLLECTION,
    "em.referral_updated": AuditAction.ALTERATION,
    "em.released": AuditAction.ALTERATION,
    "em.review_decided": AuditAction.ALTERATION,
    "em.review_returned": AuditAction.ALTERATION,
    "em.review_scheduled": AuditAction.COLLECTION,
    "em.review_signed_off": AuditAction.ALTERATION,
    "em.slot_answered": AuditAction.ALTERATION,
    "em.supplier_client_created": AuditAction.ALTERATION,
    "em.supplier_secret_rotated": AuditAction.ALTERATION,
    "em.trail_approved": AuditAction.ALTERATION,
    "em.trail_closed": AuditAction.DISCLOSURE,
    "em.trail_requested": AuditAction.COLLECTION,
    "em.trail_sealed": AuditAction.ERASURE,
    "em.trail_viewed": AuditAction.CONSULTATION,
    "monitoring.mi_exported": AuditAction.DISCLOSURE,
    # Built at run time: one per supplier event type (api/supplier.py, EVENT_TYPES).
    **{f"em.supplier.{kind}": AuditAction.COLLECTION for kind in SUPPLIER_EVENT_TYPES},
}


def register() -> None:
    from waymark.accounts.roles import register_role_permissions
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.navigation import NavItem, register_nav
    from waymark.core.read_models import ReadModel, register_read_model
    from waymark.monitoring import permissions as perms
    from waymark.monitoring import sweeps
    from waymark.monitoring.models import FigureFact
    from waymark.monitoring.services.figures_read_model import figures_read_model_rebuild
    from waymark.people.selectors import register_visibility_rule
    from waymark.people.tabs import PersonTab, register_person_tab
    from waymark.work.sweeps import register_sweep

    register_nav(NavItem("Monitoring", "monitoring:home", perms.MANAGE_EM, 30))
    register_nav(
        NavItem(
            "EM figures",
            "monitoring:mi",
            perms.VIEW_EM_MI,
            80,
            group="figures",
            description="Electronic monitoring: breaches, reviews, devices fitted and removed.",
        )
    )
    register_person_tab(
        PersonTab("monitoring", "Monitoring", "monitoring:person", perms.MANAGE_EM, 40)
    )
    em_work = {perms.MANAGE_EM, perms.VIEW_EM_MI}
    register_role_permissions("em_caseworker", em_work)
    register_role_permissions(
        "line_manager",
        em_work | {perms.APPROVE_TRAIL_REQUEST, perms.VIEW_TRAIL_DATA, perms.MANAGE_SUPPLIER},
    )
    register_role_permissions("performance_analyst", {perms.VIEW_EM_MI})
    register_role_permissions("service_delivery", {perms.VIEW_EM_MI, perms.MANAGE_SUPPLIER})
    register_role_permissions(
        "data_protection", {perms.APPROVE_TRAIL_REQUEST, perms.VIEW_TRAIL_DATA, perms.MANAGE_EM}
    )
    register_role_permissions("supplier", {perms.SUPPLIER_NOTIFY})
    task_types_register()
    register_read_model(
        ReadModel(
            "monitoring.figures",
            "Electronic monitoring figures",
            figures_read_model_rebuild,
            (FigureFact,),
        )
    )
    register_visibility_rule("monitoring", perms.em_visibility)
    for name, fn in sweeps.SWEEPS.items():
        register_sweep(name, fn)
    # First of the modules' demos: criminal casework and enforcement operations read its people.
    register_demo_loader(DemoLoader("monitoring", _demo_load, order=10, scale_option="em_scale"))
    # The page each kind of task subject opens on (the task page links to it).
    from waymark.work.registry import SubjectLink, register_subject_link

    for subject_type, label, url_name in (
        ("monitoring.breach", "Open the breach", "monitoring:breach"),
        ("monitoring.review", "Open the review", "monitoring:review"),
        ("monitoring.prosecutionreferral", "Open the prosecution referral", "monitoring:referral"),
        ("monitoring.challenge", "Open the challenge", "monitoring:challenge"),
        ("monitoring.traildatarequest", "Open the trail-data request", "monitoring:trail"),
    ):
        register_subject_link(SubjectLink(subject_type, label, url_name))
    register_oversight_feeds()


def _demo_load(**options):
    from waymark.monitoring.demo import em_demo_load

    return em_demo_load(**options)


def task_types_register() -> None:
    """The Hub's deadline rules and task types in the work registry. "Next working day" and "due
    at the start" are the platform's shared rules (``work.rules``)."""
    from waymark.monitoring import rules
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.rules import (
        DEADLINE_RULE_GENERAL_ENQUIRY,
        CalendarHours,
        register_deadline_rule,
    )

    register_deadline_rule(rules.DEADLINE_JUDGE_FITTING, CalendarHours(rules.JUDGE_FITTING_HOURS))
    register_deadline_rule(
        rules.DEADLINE_SOS_FITTING, CalendarHours(rules.sos_fitting_target_hours())
    )
    register_deadline_rule(rules.DEADLINE_PRE_ACTION, CalendarHours(rules.PRE_ACTION_DAYS * 24))
    types = [
        (
            rules.TASK_FITTING_JUDGE,
            "Arrange tag fitting (judge's bail, 72 hours)",
            rules.QUEUE_FITTING,
            rules.DEADLINE_JUDGE_FITTING,
        ),
        (
            rules.TASK_FITTING_SOS,
            "Arrange tag fitting (Secretary of State bail)",
            rules.QUEUE_FITTING,
            rules.DEADLINE_SOS_FITTING,
        ),
        (
            rules.TASK_SLOT_SILENCE,
            "Chase the supplier: no answer to a slot request",
            rules.QUEUE_FITTING,
            rules.DEADLINE_NEXT_WORKING_DAY,
        ),
        (
            rules.TASK_SEND_FAILED,
            "An order could not be sent to the supplier",
            rules.QUEUE_FITTING,
            rules.DEADLINE_NEXT_WORKING_DAY,
        ),
        (
            rules.TASK_BREACH,
            "Act on a breach",
            rules.QUEUE_BREACHES,
            rules.DEADLINE_NEXT_WORKING_DAY,
        ),
        (
            rules.TASK_ACCUMULATED_BATTERY,
            "Act on an accumulated battery violation",
            rules.QUEUE_BREACHES,
            rules.DEADLINE_NEXT_WORKING_DAY,
        ),
        (
            rules.TASK_FIRST_BREACH_CONTACT,
            "Phone a newly tagged person about their first breach",
            rules.QUEUE_BREACHES,
            rules.DEADLINE_NEXT_WORKING_DAY,
        ),
        (
            rules.TASK_REVIEW,
            "Three-monthly EM review",
            rules.QUEUE_REVIEWS,
            rules.DEADLINE_AT_START,
        ),
        (
            rules.TASK_REVIEW_SIGN_OFF,
            "Sign off an EM review (HEO)",
            rules.QUEUE_REVIEWS,
            rules.DEADLINE_NEXT_WORKING_DAY,
        ),
        (
            rules.TASK_REPRESENTATIONS,
            "Respond to representations against EM",
            rules.QUEUE_REVIEWS,
            DEADLINE_RULE_GENERAL_ENQUIRY,
        ),
        (
            rules.TASK_PRE_ACTION,
            "Respond to a pre-action letter about EM",
            rules.QUEUE_REVIEWS,
            rules.DEADLINE_PRE_ACTION,
        ),
        (
            rules.TASK_JUDICIAL_REVIEW,
            "Respond to a judicial review about EM",
            rules.QUEUE_REVIEWS,
            rules.DEADLINE_AT_START,
        ),
        (
            rules.TASK_TRAIL_APPROVAL,
            "Decide a trail-data request",
            rules.QUEUE_TRAIL,
            rules.DEADLINE_NEXT_WORKING_DAY,
        ),
    ]
    for key, label, queue_slug, deadline_rule in types:
        register_task_type(TaskType(key, label, "monitoring", queue_slug, deadline_rule))


def register_oversight_feeds() -> None:
    """What this module gives oversight through the platform's registries (issue 20); oversight
    never imports a module, so each module declares its own work, figures and decision points."""
    # --- quality-assurance work kinds (item 1) ---
    # --- competence required per task type (item 2) ---
    from waymark.monitoring import rules
    from waymark.work.registry import CompetenceKind, register_competence, require_competence

    register_competence(
        CompetenceKind(
            "em_breach_decision_maker",
            "EM breach decision maker",
            "Decides what to do about an electronic monitoring breach (000 §5.30-5.40)",
        )
    )
    register_competence(
        CompetenceKind(
            "em_review_decision_maker",
            "EM review decision maker",
            "Carries out and signs off the three-monthly EM review (000 §5.41-5.50)",
        )
    )
    for task_type in (rules.TASK_BREACH, rules.TASK_ACCUMULATED_BATTERY):
        require_competence(task_type, "em_breach_decision_maker")
    for task_type in (rules.TASK_REVIEW, rules.TASK_REVIEW_SIGN_OFF):
        require_competence(task_type, "em_review_decision_maker")
    # --- metric definitions (item 3) ---
    # --- fairness decision points and data-quality rules (items 4-5) ---
