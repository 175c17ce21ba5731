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
    from waymark.operations.services.measures_read_model import (
        measures_read_model_rebuild,
        measures_read_model_update,
    )

    register_read_model(
        ReadModel(
            "operations.measures",
            "Measures of effort and effect",
            measures_read_model_rebuild,
            (MeasureFact,),
            update=measures_read_model_update,
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
    from waymark.core.assurance import WorkKind, register_work_kind
    from waymark.operations.selectors import assurance

    register_work_kind(
        WorkKind("operations.visit_record", "Visit record", "operations", assurance.visit_records)
    )
    register_work_kind(
        WorkKind("operations.visit_plan", "Visit planning", "operations", assurance.visit_plans)
    )
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
    _metrics_register()
    # --- fairness decision points and data-quality rules (items 4-5) ---
    from waymark.core.fairness import register_decision_point
    from waymark.operations.selectors import fairness as operations_fairness

    for key, label, outcome, rows_fn in (
        (
            "operations.encounter_offender",
            "Enforcement encounters",
            "Found to be an immigration offender",
            operations_fairness.encounter_offender_rows,
        ),
        (
            "operations.encounter_arrest",
            "Arrests at enforcement encounters",
            "Arrested",
            operations_fairness.encounter_arrest_rows,
        ),
    ):
        register_decision_point(
            key,
            label,
            "operations",
            outcome,
            rows_fn,
            description=(rows_fn.__doc__ or "").strip(),
            carries=("sector", "nationality"),
            queryset_fn={
                "operations.encounter_offender": operations_fairness.encounter_offender_queryset,
                "operations.encounter_arrest": operations_fairness.encounter_arrest_queryset,
            }[key],
        )
    from waymark.core.data_quality import register_data_quality_rule
    from waymark.operations.selectors import data_quality_rules as operations_quality

    for key, label, dimension, check_fn in (
        (
            "operations.encounter_nationality_valid",
            "Encounter nationalities that are country codes",
            "validity",
            operations_quality.encounter_nationality_valid_check,
        ),
        (
            "operations.encounter_nationality_accurate",
            "Encounter nationalities that agree with the person's record",
            "accuracy",
            operations_quality.encounter_nationality_accurate_check,
        ),
    ):
        register_data_quality_rule(
            key,
            label,
            "operations",
            dimension,
            check_fn,
            description=(check_fn.__doc__ or "").strip(),
        )


# --- metric definitions (item 3) ---
# The measures page's figures, defined once in the platform's metric registry (core.metrics); the
# page, its CSV and oversight's registry show these names and definitions. "Overdue for closure"
# is defined here once, and the overdue closure tasks in the queues are counted beside it so that
# oversight's reconciliation check shows any difference between the two.
OPERATIONS_METRIC_OWNER = "Immigration Compliance and Enforcement service delivery managers"
OPERATIONS_MEASURE_DEFINITIONS: dict[str, tuple[str, bool | None]] = {
    "visits": ("Enforcement visits deployed or closed with a planned start in the period.", None),
    "visits_no_rating": (
        "Visits undertaken in the period with no enforcement planning assessment rating.",
        False,
    ),
    "joint_operations_pct": (
        "The share of visits undertaken in the period carried out with a partner agency.",
        None,
    ),
    "encounters": (
        "People encountered on visits undertaken in the period, each encounter once.",
        None,
    ),
    "arrests": ("Encounters on visits undertaken in the period that ended in an arrest.", None),
    "critical_incidents": (
        "Critical incidents declared on visits undertaken in the period.",
        False,
    ),
    "briefing_acceptance_pct": (
        "Of the officers assigned to visits undertaken in the period, the share who accepted the "
        "briefing before the visit.",
        True,
    ),
    "closed_within_due_pct": (
        "Of the visits closed that were undertaken in the period, the share closed within 48 hours "
        "of the planned start (the closure due time).",
        True,
    ),
    "closure_median_hours": (
        "The median time from a visit's planned start to its closure, over the visits closed that "
        "were undertaken in the period.",
        False,
    ),
    "closures_overdue": (
        "Deployed visits, not yet closed, whose closure due time (48 hours after the planned "
        "start) has passed. Counted now, whatever the period.",
        False,
    ),
    "intelligence_accurate_pct": (
        "Of the debriefs of visits undertaken in the period, the share that judged the "
        "intelligence accurate.",
        True,
    ),
}
OPERATIONS_MEASURE_UNITS = {"per 1,000 visits": "rate"}


def _metrics_register() -> None:
    from waymark.core.metrics import Metric, register_metric, register_reconciliation
    from waymark.operations import rules, selectors
    from waymark.work.models import ACTIVE_STATUSES, Task

    page = ("operations:measures", "operations:measures-csv")

    def measure(key: str):
        def compute(team=None, start=None, end=None):
            period = (
                selectors.Period(start, end) if start is not None else selectors.period_default()
            )
            return selectors.REGISTRY[key].function(period, team)

        return compute

    for key, m in selectors.REGISTRY.items():
        definition, higher = OPERATIONS_MEASURE_DEFINITIONS.get(
            key,
            (
                f"{m.label}, over the visits undertaken (deployed or closed) with a planned start "
                "in the period.",
                None,
            ),
        )
        register_metric(
            Metric(
                key=f"operations.{key}",
                name=m.label,
                definition=definition,
                population="Enforcement visits (the Visit record), by the team that owns the visit",
                unit=OPERATIONS_MEASURE_UNITS.get(m.unit, m.unit),
                higher_is_better=higher,
                owner=OPERATIONS_METRIC_OWNER,
                module="operations",
                compute=measure(key),
                by_team=True,
                # Every measure counts over any period, but overdue closures are counted now.
                by_period=key != "closures_overdue",
                pages=page if key in OPERATIONS_MEASURE_DEFINITIONS else (),
                period="now"
                if key == "closures_overdue"
                else f"the last {rules.MEASURES_DEFAULT_MONTHS} months",
            )
        )

    def closure_tasks(*, overdue: bool):
        def compute(team=None):
            from waymark.core import clock

            # Every task of the closure type, as the queues count them (not only those naming a
            # visit): a closure task with no visit behind it is what the check must show.
            tasks = Task.objects.filter(task_type=rules.TASK_CLOSE, status__in=ACTIVE_STATUSES)
            if overdue:
                tasks = tasks.filter(due_at__lt=clock.now())
            if team is not None:
                tasks = tasks.filter(queue__team=team)
            return tasks.count()

        return compute

    def deployed(team=None):
        from waymark.operations.models import Visit, VisitStatus

        visits = Visit.objects.filter(status=VisitStatus.DEPLOYED)
        return (visits.filter(team=team) if team is not None else visits).count()

    common = {
        "unit": "count",
        "higher_is_better": False,
        "owner": OPERATIONS_METRIC_OWNER,
        "module": "operations",
        "by_team": True,
    }
    register_metric(
        Metric(
            key="operations.closure_tasks_overdue",
            name="Overdue closure tasks",
            definition="Open tasks to debrief and close an enforcement visit (one per deployed "
            "visit) whose 48-hour deadline has passed, in the owning team's queue.",
            population="Tasks of the closure type in the work queues",
            compute=closure_tasks(overdue=True),
            **common,
        )
    )
    register_metric(
        Metric(
            key="operations.closure_tasks_open",
            name="Open closure tasks",
            definition="Open tasks to debrief and close an enforcement visit, overdue or not, in "
            "the owning team's queue.",
            population="Tasks of the closure type in the work queues",
            compute=closure_tasks(overdue=False),
            **common,
        )
    )
    register_metric(
        Metric(
            key="operations.visits_deployed",
            name="Visits deployed, not yet closed",
            definition="Enforcement visits deployed and not yet closed, whatever their planned "
            "date: each has a closure task until it is closed.",
            population="Enforcement visits (the Visit record), by the team that owns the visit",
            compute=deployed,
            **common,
        )
    )
    register_reconciliation(
        "operations.overdue_closure",
        "Visits overdue for closure against overdue closure tasks",
        "operations.closures_overdue",
        "operations.closure_tasks_overdue",
        explanation="Deployment gives each visit its closure task, due when the visit's closure "
        "is due, and closing the visit completes it: every visit overdue for closure has exactly "
        "one overdue closure task.",
    )
    register_reconciliation(
        "operations.open_closure",
        "Visits deployed against open closure tasks",
        "operations.visits_deployed",
        "operations.closure_tasks_open",
        explanation="A deployed visit cannot be cancelled, only closed, and closing it completes "
        "its task: the deployed visits and the open closure tasks are the same visits.",
    )
