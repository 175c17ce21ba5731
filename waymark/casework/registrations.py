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
    from waymark.casework.selectors import assurance
    from waymark.core.assurance import WorkKind, register_work_kind

    register_work_kind(
        WorkKind("casework.case_note", "Case note", "casework", assurance.case_notes)
    )
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
    _metrics_register()
    # --- fairness decision points and data-quality rules (items 4-5) ---
    from waymark.casework.selectors import fairness as casework_fairness
    from waymark.core.fairness import register_decision_point

    for key, label, outcome, rows_fn in (
        (
            "casework.absconder_declaration",
            "Absconder declarations",
            "Declared an absconder",
            casework_fairness.absconder_declaration_rows,
        ),
        (
            "casework.detention",
            "Detention gatekeeping",
            "Detention accepted",
            casework_fairness.detention_rows,
        ),
    ):
        register_decision_point(
            key,
            label,
            "casework",
            outcome,
            rows_fn,
            description=(rows_fn.__doc__ or "").strip(),
            queryset_fn={
                "casework.detention": casework_fairness.detention_queryset,
                "casework.absconder_declaration": casework_fairness.absconder_declaration_queryset,
            }.get(key),
        )
    from waymark.casework.selectors import data_quality_rules as casework_quality
    from waymark.core.data_quality import register_data_quality_rule

    for key, label, dimension, check_fn in (
        (
            "casework.ownership_clear",
            "Open cases with an owning team and a case owner",
            "completeness",
            casework_quality.ownership_unclear_check,
        ),
        (
            "casework.outcome_recorded",
            "Past reporting events with an outcome",
            "timeliness",
            casework_quality.outcome_missing_check,
        ),
        (
            "casework.barrier_owned",
            "Open barriers to removal with an owner",
            "completeness",
            casework_quality.barrier_no_owner_check,
        ),
        (
            "casework.review_on_time",
            "Case reviews completed by their due date",
            "timeliness",
            casework_quality.review_overdue_check,
        ),
        (
            "casework.one_planned_removal",
            "People with at most one planned removal direction",
            "uniqueness",
            casework_quality.removal_directions_unique_check,
        ),
    ):
        register_data_quality_rule(
            key,
            label,
            "casework",
            dimension,
            check_fn,
            description=(check_fn.__doc__ or "").strip(),
        )


# --- metric definitions (item 3) ---
# The casework figures' headline numbers, defined once in the platform's metric registry
# (core.metrics): the figures page, its CSV and oversight's registry show these names and
# definitions. The reporting population's definition is the one casework.rules already gives.
CASEWORK_METRIC_OWNER = "Criminal casework performance analysts"
CASEWORK_CASES = "Open criminal-casework cases (the Case record)"
CASEWORK_FIGURES: tuple[tuple[str, str, str | None, str, bool | None], ...] = (
    (
        "non_detained",
        "Non-detained stock (open, not detained)",
        "Open criminal-casework cases whose person is not detained, today.",
        CASEWORK_CASES,
        None,
    ),
    ("reporting_population", "Reporting population", None, CASEWORK_CASES, None),
    (
        "absconders",
        "Absconders",
        "Open cases whose person is declared an absconder and not yet located, today.",
        CASEWORK_CASES,
        False,
    ),
    (
        "flagged",
        "Past their band's limit with no absconder decision",
        "People in the reporting population who have missed reporting for longer than their "
        "harm band allows and have no absconder decision recorded, today.",
        CASEWORK_CASES,
        False,
    ),
    (
        "reviews_due_14",
        "Case reviews due in 14 days",
        "Open cases whose next case review falls due within the next 14 days.",
        CASEWORK_CASES,
        None,
    ),
    (
        "reviews_overdue",
        "Case reviews overdue",
        "Open cases whose case review date has passed with no review recorded.",
        CASEWORK_CASES,
        False,
    ),
    (
        "prep_finalised",
        "Case preparation finalised",
        "Cases whose preparation for removal was finalised in the period (on the casework figures "
        "page: since records began).",
        "Case preparation records",
        None,
    ),
    (
        "prep_on_time",
        "Case preparation within 8 weeks",
        "Of the cases whose preparation was finalised in the period, those finalised within eight "
        "weeks of starting.",
        "Case preparation records",
        True,
    ),
    (
        "further_decided",
        "Further submissions decided",
        "Further submissions decided in the period (on the casework figures page: since records "
        "began).",
        "Further submissions",
        None,
    ),
    (
        "further_on_time",
        "Further submissions decided within 5 working days",
        "Of the further submissions decided in the period, those decided by their decision due "
        "date (five working days from receipt).",
        "Further submissions",
        True,
    ),
)


def _metrics_register() -> None:
    from waymark.casework import rules
    from waymark.casework.selectors.figures_read_model import (
        PERIOD_FIGURES,
        READ_MODEL,
        figure_value,
    )
    from waymark.core.metrics import Metric, register_metric
    from waymark.core.read_models import read_model_as_of

    def figure(key: str):
        def compute(team=None, start=None, end=None) -> int:
            team_id = team.pk if team is not None else None
            return figure_value(key, team_id=team_id, start=start, end=end)

        return compute

    for key, name, definition, population, higher in CASEWORK_FIGURES:
        register_metric(
            Metric(
                key=f"casework.{key}",
                name=name,
                definition=definition or rules.REPORTING_POPULATION_DEFINITION,
                population=population,
                unit="count",
                higher_is_better=higher,
                owner=CASEWORK_METRIC_OWNER,
                module="casework",
                compute=figure(key),
                pages=("casework:mi", "casework:mi-csv"),
                as_of=lambda: read_model_as_of(READ_MODEL),
                # Every figure counts the cases of the team owning the person (figure 1's team).
                by_team=True,
                by_period=key in PERIOD_FIGURES,
                period="the whole record" if key in PERIOD_FIGURES else "now",
            )
        )
