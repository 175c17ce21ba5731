"""Everything criminal casework tells the platform at start-up (docs/platform-contracts.md):
navigation, the person tab, role permissions, the visibility rules, deadline rules and task types,
and the sweeps. ``CaseworkConfig.ready()`` calls ``register()``. Registering a different
definition under a name already taken raises: a conflict shows at start-up, never hidden."""

from __future__ import annotations

from waymark.casework.models import Outcome
from waymark.core.models import AuditAction

# Every audit verb this app records, with its s62 category: ``core.audit.declared_verbs`` gathers
# them, the suite refuses an undeclared one, and tests/test_platform_contract.py checks the code.
AUDIT_VERBS: dict[str, str] = {
    "casework.absconder_declared": AuditAction.COLLECTION,
    "casework.absconder_ended": AuditAction.COLLECTION,
    "casework.band_overridden": AuditAction.ALTERATION,
    "casework.band_recomputed": AuditAction.ALTERATION,
    "casework.barrier_assigned": AuditAction.ALTERATION,
    "casework.barrier_cleared": AuditAction.COLLECTION,
    "casework.barrier_opened": AuditAction.COLLECTION,
    "casework.case_opened": AuditAction.COLLECTION,
    "casework.case_reviewed": AuditAction.COLLECTION,
    "casework.charter_created": AuditAction.COLLECTION,
    "casework.commission_requested": AuditAction.COLLECTION,
    "casework.commission_result": AuditAction.COLLECTION,
    "casework.contact_step": AuditAction.COLLECTION,
    "casework.deportation_decision": AuditAction.ALTERATION,
    "casework.detention_decided": AuditAction.COLLECTION,
    "casework.detention_requested": AuditAction.COLLECTION,
    "casework.etd_updated": AuditAction.COLLECTION,
    "casework.further_submission": AuditAction.COLLECTION,
    "casework.further_submission_decided": AuditAction.COLLECTION,
    "casework.mi_exported": AuditAction.DISCLOSURE,
    "casework.removals_plan_exported": AuditAction.DISCLOSURE,
    "casework.preparation_finalised": AuditAction.COLLECTION,
    "casework.preparation_initial_done": AuditAction.COLLECTION,
    "casework.preparation_started": AuditAction.COLLECTION,
    "casework.red_notice": AuditAction.COLLECTION,
    "casework.referral_not_accepted": AuditAction.COLLECTION,
    "casework.referral_routed": AuditAction.COLLECTION,
    "casework.referred": AuditAction.COLLECTION,
    "casework.removal_directions_set": AuditAction.COLLECTION,
    "casework.removal_outcome": AuditAction.COLLECTION,
    "casework.reoffence": AuditAction.COLLECTION,
    "casework.restriction_changed": AuditAction.ALTERATION,
    "casework.restriction_set": AuditAction.COLLECTION,
    "casework.trace_outcome": AuditAction.COLLECTION,
    "casework.trace_referred": AuditAction.COLLECTION,
    "casework.voluntary_return": AuditAction.COLLECTION,
    # Built at run time: one per reporting outcome (services/reporting.py).
    **{f"reporting.{outcome}": AuditAction.COLLECTION for outcome in Outcome.values},
}


def register() -> None:
    from waymark.accounts.roles import register_role_permissions
    from waymark.casework import permissions as perms
    from waymark.casework import selectors, sweeps
    from waymark.casework.models import CaseworkFigureFact
    from waymark.casework.services.figures_read_model import figures_read_model_rebuild
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.navigation import NavItem, register_nav
    from waymark.core.published import publish
    from waymark.core.read_models import ReadModel, register_read_model
    from waymark.core.saved_views import FilterPage, register_filter_page
    from waymark.people.selectors import register_visibility_rule
    from waymark.people.tabs import PersonTab, register_person_tab
    from waymark.work.sweeps import register_sweep

    register_nav(NavItem("Casework", "casework:home", perms.MANAGE_CASEWORK, 20))
    register_nav(NavItem("Reporting centre", "casework:centre", perms.RUN_REPORTING_CENTRE, 25))
    # The reporting day's centre may be saved, and is remembered (core.saved_views). The day and
    # the person at the counter are not: coming back shows today's list, for everyone.
    register_filter_page(FilterPage("casework:centre", ("centre",)))
    register_nav(NavItem("Removals", "casework:removals", perms.MANAGE_REMOVALS, 35))
    register_nav(
        NavItem(
            "Casework figures",
            "casework:mi",
            perms.VIEW_CASEWORK_MI,
            81,
            group="figures",
            description="Criminal casework: reporting, non-compliance, barriers and removals.",
        )
    )
    register_person_tab(PersonTab("casework", "Casework", "casework:person", perms.VIEW_CASE, 30))
    owner = {perms.VIEW_CASE, perms.MANAGE_CASEWORK, perms.MANAGE_INTAKE}
    register_role_permissions("case_owner", owner)
    register_role_permissions(
        "line_manager",
        owner | {perms.OVERRIDE_BAND, perms.VIEW_CASEWORK_MI, perms.MANAGE_REMOVALS},
    )
    register_role_permissions("reporting_centre", {perms.VIEW_CASE, perms.RUN_REPORTING_CENTRE})
    register_role_permissions(
        "removals",
        {perms.VIEW_CASE, perms.MANAGE_REMOVALS, perms.DECIDE_DETENTION, perms.VIEW_CASEWORK_MI},
    )
    register_role_permissions("performance_analyst", {perms.VIEW_CASEWORK_MI})
    register_role_permissions("assurance", {perms.VIEW_CASE, perms.VIEW_CASEWORK_MI})
    register_visibility_rule("reporting_centre", perms.reporting_centre_visibility)
    register_visibility_rule("casework_intake", perms.intake_visibility)
    register_read_model(
        ReadModel(
            "casework.figures",
            "Casework figures",
            figures_read_model_rebuild,
            (CaseworkFigureFact,),
        )
    )
    task_types_register()
    for name, fn in sweeps.SWEEPS.items():
        register_sweep(name, fn)
    # What other modules may read of criminal casework (core.published): the reporting population
    # (record linkage's bulk checks) and the removal outcomes (enforcement measures of effect).
    publish("casework.reporting_population", selectors.reporting_population)
    publish("casework.removal_outcomes_for_people", selectors.removal_outcomes_for_people)
    publish("casework.removal_outcome_dates_for_people", selectors.removal_outcome_dates_for_people)
    publish("casework.removal_outcome_labels", _removal_outcome_labels)
    # After the EM Hub's demo, before enforcement operations' and record linkage's, which read it.
    register_demo_loader(DemoLoader("casework", _demo_load, order=20))
    # The page each kind of task subject opens on (the task page links to it).
    from waymark.work.registry import SubjectLink, register_subject_link

    for subject_type, label, url_name in (
        ("casework.referral", "Check and route the referral", "casework:referral-route"),
        ("casework.casereview", "Review the case", "casework:review"),
        ("casework.reportingevent", "Record the reporting outcome", "casework:event-outcome"),
        ("casework.commission", "Record the commission's result", "casework:commission-result"),
    ):
        register_subject_link(SubjectLink(subject_type, label, url_name))
    register_oversight_feeds()


def _removal_outcome_labels() -> dict[str, str]:
    from waymark.casework.selectors import REMOVAL_OUTCOME_LABELS

    return dict(REMOVAL_OUTCOME_LABELS)


def _demo_load(**options):
    from waymark.casework.demo import casework_demo_load

    return casework_demo_load(**options)


def task_types_register() -> None:
    """Casework's deadline rules and task types in the work registry. "Next working day" and "due
    at the start" are the platform's shared rules (``work.rules``)."""
    from waymark.casework import rules
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.rules import (
        DEADLINE_RULE_GENERAL_ENQUIRY,
        CalendarHours,
        WorkingDays,
        register_deadline_rule,
    )

    register_deadline_rule(rules.DEADLINE_INTAKE, CalendarHours(rules.INTAKE_DAYS * 24))
    register_deadline_rule(rules.DEADLINE_REVIEW, CalendarHours(rules.REVIEW_TASK_LEAD_DAYS * 24))
    register_deadline_rule(
        rules.DEADLINE_PREPARATION, CalendarHours(rules.CASE_PREP_TOTAL_WEEKS * 7 * 24)
    )
    register_deadline_rule(
        rules.DEADLINE_FURTHER_SUBMISSIONS, WorkingDays(rules.FURTHER_SUBMISSIONS_WORKING_DAYS)
    )
    types = [
        (
            rules.TASK_MISSED_EVENT,
            "Missed reporting event",
            "",
            DEADLINE_RULE_GENERAL_ENQUIRY,
        ),
        (
            rules.TASK_REFERRAL_INTAKE,
            "New referral: intake checks (28 days)",
            rules.QUEUE_INTAKE,
            rules.DEADLINE_INTAKE,
        ),
        (rules.TASK_NEW_CASE, "New case allocated to you", "", rules.DEADLINE_NEXT_WORKING_DAY),
        (rules.TASK_CASE_REVIEW, "Three-monthly case review", "", rules.DEADLINE_REVIEW),
        (
            rules.TASK_CASE_PREPARATION,
            "Prepare case for removal (8 weeks)",
            "",
            rules.DEADLINE_PREPARATION,
        ),
        (
            rules.TASK_FURTHER_SUBMISSIONS,
            "Decide further submissions (5 working days)",
            "",
            rules.DEADLINE_FURTHER_SUBMISSIONS,
        ),
        (
            rules.TASK_COMMISSION,
            "Commissioned at the next reporting event",
            "",
            rules.DEADLINE_NEXT_WORKING_DAY,
        ),
        (
            rules.TASK_COMMISSION_RESULT,
            "Result of a commission from the reporting centre",
            "",
            rules.DEADLINE_NEXT_WORKING_DAY,
        ),
        (
            rules.TASK_OUTCOMES_MISSING,
            "Record outcomes for past reporting events",
            "",
            rules.DEADLINE_NEXT_WORKING_DAY,
        ),
        (
            rules.TASK_GATEKEEPING,
            "Decide a request to detain (gatekeeping)",
            rules.QUEUE_REMOVALS,
            rules.DEADLINE_NEXT_WORKING_DAY,
        ),
        (rules.TASK_TRACE, "Trace and locate an absconder", rules.QUEUE_TRACE, ""),
    ]
    first_step = rules.CONTACT_STEPS[0][0]
    for band in rules.BANDS:
        rule_name = rules.contact_deadline_rule(band)
        register_deadline_rule(
            rule_name, CalendarHours(rules.contact_step_hours()[band][first_step])
        )
        types.append(
            (
                f"{rules.TASK_MISSED_EVENT}_band_{band}",
                f"Missed reporting event (band {band})",
                "",
                rule_name,
            )
        )
    for key, label, queue_slug, deadline_rule in types:
        register_task_type(TaskType(key, label, "casework", queue_slug, deadline_rule))


def register_oversight_feeds() -> None:
    """What this module gives oversight through the platform's registries (issue 20); oversight
    never imports a module, so each module declares its own work, figures and decision points."""
    # --- quality-assurance work kinds (item 1) ---
    # --- competence required per task type (item 2) ---
    from waymark.work.registry import CompetenceKind, register_competence, require_competence

    register_competence(
        CompetenceKind(
            "detention_gatekeeper",
            "Detention gatekeeper",
            "Decides requests to detain against the detention policy (gatekeeping)",
        )
    )
    require_competence("removals.gatekeeping", "detention_gatekeeper")
    # --- metric definitions (item 3) ---
    # --- fairness decision points and data-quality rules (items 4-5) ---
