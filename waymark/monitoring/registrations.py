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
    "em.supplier_batch_received": AuditAction.COLLECTION,
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
    from waymark.core.assurance import WorkKind, register_work_kind
    from waymark.monitoring.selectors import assurance

    for key, label, population in (
        ("monitoring.em_review_decision", "EM review decision", assurance.em_review_decisions),
        ("monitoring.breach_decision", "Breach decision", assurance.breach_decisions),
        (
            "monitoring.representation_response",
            "Representation response",
            assurance.representation_responses,
        ),
    ):
        register_work_kind(WorkKind(key, label, "monitoring", population))
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
    _metrics_register()
    # --- fairness decision points and data-quality rules (items 4-5) ---
    from waymark.core.fairness import register_decision_point
    from waymark.monitoring.selectors import fairness as em_fairness

    for key, label, outcome, rows_fn in (
        (
            "monitoring.breach_escalation",
            "EM breach escalations",
            "Escalation ladder applied",
            em_fairness.breach_escalation_rows,
        ),
        (
            "monitoring.breach_prosecution",
            "EM breaches considered for prosecution",
            "Considered for prosecution",
            em_fairness.breach_prosecution_rows,
        ),
        (
            "monitoring.em_imposition",
            "EM impositions",
            "EM condition imposed (not exempted)",
            em_fairness.em_imposition_rows,
        ),
        (
            "monitoring.em_removal",
            "EM removals at review",
            "EM ceased at the 3-monthly review",
            em_fairness.em_removal_rows,
        ),
    ):
        register_decision_point(
            key,
            label,
            "monitoring",
            outcome,
            rows_fn,
            description=(rows_fn.__doc__ or "").strip(),
            queryset_fn={
                "monitoring.breach_escalation": em_fairness.breach_escalation_queryset,
                "monitoring.breach_prosecution": em_fairness.breach_prosecution_queryset,
                "monitoring.em_removal": em_fairness.em_removal_queryset,
            }.get(key),  # EM impositions join two tables: counted from the rows
        )
    from waymark.core.data_quality import register_data_quality_rule
    from waymark.monitoring.selectors import data_quality_rules as em_quality

    for key, label, dimension, check_fn in (
        (
            "monitoring.no_issued_phone",
            "Active EM conditions with an issued phone number",
            "completeness",
            em_quality.no_issued_phone_check,
        ),
        (
            "monitoring.no_device_serial",
            "Active EM conditions with a device serial",
            "completeness",
            em_quality.no_device_serial_check,
        ),
        (
            "monitoring.breach_no_end",
            "Breaches with an end time after 7 days",
            "timeliness",
            em_quality.breach_no_end_check,
        ),
    ):
        register_data_quality_rule(
            key,
            label,
            "monitoring",
            dimension,
            check_fn,
            description=(check_fn.__doc__ or "").strip(),
        )


# --- metric definitions (item 3) ---
# The Hub's figures, defined once in the platform's metric registry (core.metrics): the figures
# page, its CSV, the Hub's home page and oversight's registry show these names and definitions.
EM_METRIC_OWNER = "Electronic monitoring hub (performance analysts)"
EM_POPULATION_CONDITIONS = "People with an EM condition (the Condition record)"
# Sections of the figures summary counted now, whatever the period asked for.
EM_FIGURES_NOW = frozenset({"awaiting_device"})
# key in the figures summary -> (metric key, name, definition, population, higher is better)
EM_FIGURES: tuple[tuple[tuple[str, str], str, str, str, str, bool | None], ...] = (
    (
        ("population", "total"),
        "population_on_em",
        "People on EM",
        "People with an EM condition decided and not ended at the end of the period.",
        EM_POPULATION_CONDITIONS,
        None,
    ),
    (
        ("population", "monitored"),
        "population_monitored",
        "People monitored",
        "People on EM whose condition is active (a device fitted and working) at the end of the "
        "period.",
        EM_POPULATION_CONDITIONS,
        None,
    ),
    (
        ("notifications_and_work", "received"),
        "breach_notifications",
        "Breach notifications received",
        "Breach notifications from the supplier received in the period, of every type.",
        "Breach notifications (the Breach record)",
        None,
    ),
    (
        ("notifications_and_work", "actionable"),
        "actionable_breaches",
        "Actionable breaches",
        "Breach notifications received in the period that need action (not battery breaches "
        "below the accumulated battery threshold).",
        "Breach notifications (the Breach record)",
        None,
    ),
    (
        ("notifications_and_work", "work_items"),
        "breach_work_items",
        "Work items created",
        "Actionable breaches and accumulated battery violations in the period: each is one task.",
        "Breach notifications and accumulated battery violations",
        False,
    ),
    (
        ("reviews", "outstanding"),
        "reviews_outstanding",
        "EM reviews outstanding",
        "Three-monthly EM reviews due by the end of the period and not completed.",
        "EM reviews (the Review record)",
        False,
    ),
    (
        ("awaiting_device", "held"),
        "awaiting_device_held",
        "Held in detention awaiting a device",
        "People held in detention whose EM condition awaits a fitting, now.",
        EM_POPULATION_CONDITIONS,
        False,
    ),
    (
        ("awaiting_device", "released_total"),
        "awaiting_device_released",
        "Released and awaiting a device",
        "People released (or never detained) whose EM condition awaits a fitting, now.",
        EM_POPULATION_CONDITIONS,
        False,
    ),
)


def _metrics_register() -> None:
    from datetime import timedelta

    from waymark.core.metrics import Metric, register_metric, register_reconciliation, shared
    from waymark.core.read_models import read_model_as_of
    from waymark.monitoring import rules, selectors
    from waymark.monitoring.models import Breach, BreachDisposition
    from waymark.monitoring.selectors.figures_read_model import READ_MODEL
    from waymark.work.models import ACTIVE_STATUSES, Task

    def figure(path: tuple[str, str]):
        # One summary of the period serves every EM figure: computed once per page (shared).
        section, key = path

        def compute(team=None, start=None, end=None):
            period = (
                selectors.Period(start, end + timedelta(days=1))
                if start is not None
                else selectors.period_default()
            )
            summary = shared(
                ("monitoring.figures", period.start, period.end),
                lambda: selectors.mi_figures_summary(period),
            )
            return summary[section][key]

        return compute

    for path, key, name, definition, population, higher in EM_FIGURES:
        register_metric(
            Metric(
                key=f"monitoring.{key}",
                name=name,
                definition=definition,
                population=population,
                unit="count",
                higher_is_better=higher,
                owner=EM_METRIC_OWNER,
                module="monitoring",
                compute=figure(path),
                pages=("monitoring:mi", "monitoring:mi-csv"),
                as_of=lambda: read_model_as_of(READ_MODEL),
                period="the last six whole months and this month so far",
                # Counted over any period, except the devices awaited: counted now.
                by_period=path[0] not in EM_FIGURES_NOW,
            )
        )

    def to_act_on(team=None):
        return Breach.objects.filter(
            disposition=BreachDisposition.ACTIONABLE, task__status__in=ACTIVE_STATUSES
        ).count()

    def breach_tasks(team=None):
        # Every open task of the breach type, as the breach queue counts them.
        return Task.objects.filter(task_type=rules.TASK_BREACH, status__in=ACTIVE_STATUSES).count()

    register_metric(
        Metric(
            key="monitoring.breaches_to_act_on",
            name="Breaches to act on",
            definition="Actionable breaches whose task is still open (open, in progress or "
            "waiting): the breaches no escalation step has been applied to yet.",
            population="Breach notifications (the Breach record)",
            unit="count",
            higher_is_better=False,
            owner=EM_METRIC_OWNER,
            module="monitoring",
            compute=to_act_on,
            pages=("monitoring:home",),
        )
    )
    register_metric(
        Metric(
            key="monitoring.breach_tasks_open",
            name="Breach tasks open in the breach queue",
            definition="Open tasks to act on a breach (one per actionable breach) in the Hub's "
            "breach queue; first-contact calls and accumulated battery violations are not counted.",
            population="Tasks of the breach type in the work queues",
            unit="count",
            higher_is_better=False,
            owner=EM_METRIC_OWNER,
            module="monitoring",
            compute=breach_tasks,
        )
    )
    register_reconciliation(
        "monitoring.breaches_to_act_on",
        "Breaches to act on against the breach queue's open breach tasks",
        "monitoring.breaches_to_act_on",
        "monitoring.breach_tasks_open",
        explanation="An actionable breach gets one task when it arrives, and applying its "
        "escalation step completes that task: the breaches to act on are the open breach tasks.",
    )
