"""Everything the competent authority module tells the platform at start-up
(docs/platform-contracts.md): its roles and role permissions, navigation, task types, person tab,
visibility, the enforcement-visit referral hook, and the demo loader. ``NrmConfig.ready()`` calls
``register()``. Registering a different definition under a name already taken raises."""

from __future__ import annotations

from waymark.core.models import AuditAction

# Every audit verb this app records, with its s62 category.
# Referrals, duty to notify, quality, case preparation, information requests.
REFERRAL_VERBS: dict[str, str] = {
    "nrm.referral_received": AuditAction.COLLECTION,
    "nrm.referral_viewed": AuditAction.CONSULTATION,
    "nrm.referral_withdrawn": AuditAction.ALTERATION,
    "nrm.referral_allocated": AuditAction.ALTERATION,
    "nrm.duty_to_notify_recorded": AuditAction.COLLECTION,
    "nrm.form_version_published": AuditAction.COLLECTION,
    "nrm.person_matched": AuditAction.COMBINATION,
    "nrm.preparation_recorded": AuditAction.COLLECTION,
    "nrm.preparation_completed": AuditAction.ALTERATION,
    "nrm.information_requested": AuditAction.DISCLOSURE,
    "nrm.information_chased": AuditAction.ALTERATION,
    "nrm.information_lapsed": AuditAction.ALTERATION,
    "nrm.information_answered": AuditAction.COLLECTION,
    "nrm.quality_assessed": AuditAction.COLLECTION,
    "nrm.quality_feedback_sent": AuditAction.DISCLOSURE,
    "nrm.training_recorded": AuditAction.COLLECTION,
}

# Decisions, specialist checks, safeguarding, duty line, disqualification, reconsideration, letters.
DECISION_VERBS: dict[str, str] = {
    "nrm.decision_drafted": AuditAction.COLLECTION,
    "nrm.decision_revised": AuditAction.ALTERATION,
    "nrm.decision_signed_off": AuditAction.ALTERATION,
    "nrm.decision_served": AuditAction.ALTERATION,
    "nrm.decision_viewed": AuditAction.CONSULTATION,
    "nrm.recovery_ended": AuditAction.ALTERATION,
    "nrm.check_agreed": AuditAction.ALTERATION,
    "nrm.check_disagreed": AuditAction.ALTERATION,
    "nrm.urgent_service_authorised": AuditAction.ALTERATION,
    "nrm.safeguarding_advice_requested": AuditAction.COLLECTION,
    "nrm.safeguarding_advice_given": AuditAction.ALTERATION,
    "nrm.duty_call_logged": AuditAction.COLLECTION,
    "nrm.duty_call_followed_up": AuditAction.ALTERATION,
    "nrm.duty_call_closed": AuditAction.ALTERATION,
    "nrm.disqualification_notice_sent": AuditAction.COLLECTION,
    "nrm.disqualification_response_recorded": AuditAction.ALTERATION,
    "nrm.disqualification_assessed": AuditAction.ALTERATION,
    "nrm.disqualification_decided": AuditAction.ALTERATION,
    "nrm.reconsideration_requested": AuditAction.COLLECTION,
    "nrm.reconsideration_offered": AuditAction.COLLECTION,
    "nrm.reconsideration_decided": AuditAction.ALTERATION,
    "nrm.letter_generated": AuditAction.COLLECTION,
}

# Queues, dip sampling, ratings, trend reviews, figures.
QUALITY_VERBS: dict[str, str] = {
    "nrm.dip_sample_drawn": AuditAction.COLLECTION,
    "nrm.decision_rated": AuditAction.ALTERATION,
    "nrm.trend_review_recorded": AuditAction.COLLECTION,
    "nrm.figures_exported": AuditAction.DISCLOSURE,
}

AUDIT_VERBS: dict[str, str] = {**REFERRAL_VERBS, **DECISION_VERBS, **QUALITY_VERBS}


def register() -> None:
    from waymark.accounts.models import Grade
    from waymark.accounts.roles import Role, register_role, register_role_permissions
    from waymark.nrm import permissions as perms

    for role in (
        Role(
            "nrm_case_preparation",
            "Case preparation officer (competent authority)",
            "Gathers information from casework records, the PNC and other systems before decisions",
            frozenset(
                {"people.view_person", "work.view_task", "work.change_task", "work.take_tasks"}
            ),
            Grade.AO,
            "competent-authority",
        ),
        Role(
            "nrm_safeguarding_adviser",
            "Safeguarding adviser (competent authority)",
            "Advises on safeguarding risk before decisions are served; runs the duty line",
            frozenset(
                {"people.view_person", "work.view_task", "work.change_task", "work.take_tasks"}
            ),
            Grade.HEO,
            "competent-authority",
        ),
        Role(
            "nrm_manager",
            "Competent authority manager",
            "Allocates referrals, authorises urgent service, watches backlogs, quality and figures",
            frozenset(
                {"people.view_person", "work.view_task", "work.change_task", "work.view_workload"}
            ),
            Grade.SEO,
            "competent-authority",
        ),
        Role(
            "first_responder",
            "First responder (prison immigration or detention engagement team)",
            "Refers potential victims of modern slavery and follows their referrals",
            frozenset({"people.view_person"}),
            Grade.EO,
            "detention-engagement",
        ),
    ):
        register_role(role)
    for role_key, codenames in perms.ROLE_PERMISSIONS.items():
        register_role_permissions(role_key, set(codenames))
    _register_referrals()
    _register_decisions()
    _register_quality()
    register_oversight_feeds()


def _register_referrals() -> None:
    """Task types, person tab, navigation, visibility and the enforcement-visit hook for referrals."""
    from waymark.core import events
    from waymark.core.navigation import NavItem, register_nav
    from waymark.nrm import permissions as perms
    from waymark.nrm import rules
    from waymark.nrm.services import duty_to_notify, preparation
    from waymark.people.tabs import PersonTab, register_person_tab
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.rules import WorkingDays, register_deadline_rule
    from waymark.work.sweeps import register_sweep

    register_deadline_rule(preparation.DEADLINE_RG, WorkingDays(rules.RG_TARGET_WORKING_DAYS))
    for key, label, deadline in (
        (preparation.TASK_PREPARE, "Gather information for an NRM referral", ""),
        (preparation.TASK_DECIDE_RG, "Make a reasonable grounds decision", preparation.DEADLINE_RG),
        (preparation.TASK_CHASE, "Chase a further information request", ""),
    ):
        register_task_type(TaskType(key, label, "nrm", "", deadline))
    register_sweep("nrm.information_requests", preparation.information_requests_sweep)
    events.subscribe("operations.nrm_referral_recorded", duty_to_notify.referral_from_visit)
    register_person_tab(PersonTab("nrm", "Modern slavery", "nrm:person-referrals", None, 55))
    # One entry for first responders (their referrals page starts a new one): the bar holds at most
    # eight entries for any role.
    register_nav(NavItem("NRM referrals", "nrm:my-referrals", perms.REFER, 50))


def _register_decisions() -> None:
    """Task types and deadline rules for decisions, checks, safeguarding and disqualification, and
    the sweep that opens conclusive grounds work when a recovery period has run."""
    from waymark.work.registry import TaskType, register_task_type
    from waymark.work.sweeps import register_sweep

    for key, label in (
        ("nrm.check", "NRM: specialist check of a negative decision"),
        ("nrm.safeguarding_advice", "NRM: safeguarding advice on a decision"),
        ("nrm.decide_cg", "NRM: conclusive grounds decision"),
        ("nrm.revise", "NRM: revise a decision returned by the specialist"),
        ("nrm.disqualification_decide", "NRM: public order disqualification"),
        ("nrm.reconsider", "NRM: reconsider a negative decision"),
    ):
        register_task_type(TaskType(key, label, "nrm", ""))
    register_sweep("nrm.recovery_ended", _recovery_ended)


def _recovery_ended() -> int:
    from waymark.nrm.services.decisions import recovery_ended_sweep

    return recovery_ended_sweep()


def _register_quality() -> None:
    """Navigation for queues and figures, dip-sampling task types, read models, the demo loader."""
    from waymark.core.navigation import NavItem, register_nav
    from waymark.nrm import permissions as perms
    from waymark.work.registry import TaskType, register_task_type

    register_nav(NavItem("Modern slavery decisions", "nrm:home", perms.VIEW, 45))
    from waymark.core.demo_loaders import DemoLoader, register_demo_loader
    from waymark.core.read_models import ReadModel, register_read_model
    from waymark.nrm.models import FiguresSummary
    from waymark.nrm.services.figures_read_model import figures_read_model_rebuild

    # The figures page reads summary rows at most a minute old (issue 17 item 4).
    register_read_model(
        ReadModel(
            "nrm.figures", "Modern-slavery figures", figures_read_model_rebuild, (FiguresSummary,)
        )
    )

    # After the platform's people (each referral is about one of them).
    register_demo_loader(DemoLoader("nrm", _demo_load, order=40))
    register_task_type(
        TaskType(
            "nrm.dip_sample_rate",
            "Rate a sampled conclusive grounds decision",
            "nrm",
            "",
            take_permission=perms.CHECK,
        )
    )


def _demo_load(**options):
    from waymark.nrm.demo import nrm_demo_load

    return nrm_demo_load(**options)


def register_oversight_feeds() -> None:
    """What this module gives oversight through the platform's registries (issue 20); oversight
    never imports a module, so each module declares its own work, figures and decision points."""
    # --- quality-assurance work kinds (item 1) ---
    from waymark.core.assurance import WorkKind, register_work_kind
    from waymark.nrm.selectors import assurance

    register_work_kind(
        WorkKind(
            "nrm.decision",
            "NRM decision",
            "nrm",
            assurance.nrm_decisions,
            categories=(("cg_positive", "Positive conclusive grounds"),),
        )
    )
    # --- competence required per task type (item 2) ---
    from waymark.work.registry import CompetenceKind, register_competence, require_competence

    register_competence(
        CompetenceKind(
            "nrm_decision_maker",
            "NRM decision maker",
            "Trained and signed off to make reasonable and conclusive grounds decisions (002 rec 2)",
        )
    )
    register_competence(
        CompetenceKind(
            "nrm_technical_specialist",
            "NRM technical specialist",
            "Fully trained and tested before deployment as a technical specialist (002 rec 2b)",
        )
    )
    for task_type in (
        "nrm.decide_rg",
        "nrm.decide_cg",
        "nrm.reconsider",
        "nrm.revise",
        "nrm.disqualification_decide",
    ):
        require_competence(task_type, "nrm_decision_maker")
    for task_type in ("nrm.check", "nrm.safeguarding_advice", "nrm.dip_sample_rate"):
        require_competence(task_type, "nrm_technical_specialist")
    # --- metric definitions (item 3) ---
    _metrics_register()
    # --- fairness decision points and data-quality rules (items 4-5) ---
    from waymark.core.fairness import register_decision_point
    from waymark.nrm.selectors import fairness as nrm_fairness

    for key, label, rows_fn in (
        (
            "nrm.reasonable_grounds",
            "NRM reasonable grounds decisions",
            nrm_fairness.reasonable_grounds_rows,
        ),
        (
            "nrm.conclusive_grounds",
            "NRM conclusive grounds decisions",
            nrm_fairness.conclusive_grounds_rows,
        ),
    ):
        register_decision_point(
            key,
            label,
            "nrm",
            "Positive decision",
            rows_fn,
            description=(rows_fn.__doc__ or "").strip(),
            queryset_fn={
                "nrm.reasonable_grounds": nrm_fairness.reasonable_grounds_queryset,
                "nrm.conclusive_grounds": nrm_fairness.conclusive_grounds_queryset,
            }[key],
        )
    from waymark.core.data_quality import register_data_quality_rule
    from waymark.nrm.selectors import data_quality_rules as nrm_quality

    for key, label, dimension, check_fn in (
        (
            "nrm.consent_recorded",
            "Referrals with a consent status",
            "completeness",
            nrm_quality.no_consent_check,
        ),
        (
            "nrm.rg_on_time",
            "Referrals decided by the reasonable grounds target",
            "timeliness",
            nrm_quality.rg_past_target_check,
        ),
        (
            "nrm.negative_checked",
            "Served negative decisions with an agreed specialist check",
            "consistency",
            nrm_quality.negative_without_check_check,
        ),
    ):
        register_data_quality_rule(
            key, label, "nrm", dimension, check_fn, description=(check_fn.__doc__ or "").strip()
        )


# --- metric definitions (item 3) ---
# The competent authority's headline counts, defined once in the platform's metric registry
# (core.metrics) for oversight's registry, dashboards and daily snapshots, and the figures page's
# headline (its names and definitions come from here; its tables keep their own SQL selectors in
# selectors/figures.py). Each can be split by the competent authority team that holds the referral;
# received and served can be counted over any period (by default the last 91 days).
NRM_METRIC_OWNER = "Competent authority performance team"
NRM_QUARTER_DAYS = 91
NRM_METRIC_PAGES = ("nrm:figures", "nrm:figures-export")


def _metrics_register() -> None:
    from datetime import timedelta

    from waymark.core import clock
    from waymark.core.metrics import Metric, register_metric
    from waymark.nrm import rules
    from waymark.nrm.models import Decision, DecisionStatus, Referral
    from waymark.nrm.selectors.figures import OPEN_STATUSES, _end, _start

    def _team(qs, team, field="owning_team"):
        return qs.filter(**{field: team}) if team is not None else qs

    def open_referrals(team=None):
        return _team(Referral.objects.filter(status__in=OPEN_STATUSES), team).count()

    def stuck(team=None):
        cutoff = clock.now() - timedelta(days=rules.STUCK_AFTER_DAYS)
        return _team(
            Referral.objects.filter(status__in=OPEN_STATUSES, last_activity_at__lt=cutoff), team
        ).count()

    def _window(start, end):
        if start is None:
            return clock.now() - timedelta(days=NRM_QUARTER_DAYS), clock.now()
        return _start(start), _end(end)

    def received(team=None, start=None, end=None):
        since, until = _window(start, end)
        qs = Referral.objects.filter(received_at__gte=since, received_at__lt=until)
        return _team(qs, team).count()

    def served(team=None, start=None, end=None):
        since, until = _window(start, end)
        qs = Decision.objects.filter(
            status=DecisionStatus.SERVED, served_at__gte=since, served_at__lt=until
        )
        return _team(qs, team, "referral__owning_team").count()

    common = {
        "unit": "count",
        "owner": NRM_METRIC_OWNER,
        "module": "nrm",
        "by_team": True,
        "pages": NRM_METRIC_PAGES,
    }
    referrals = "NRM referrals (the Referral record), by the competent authority team holding them"
    for key, name, definition, population, higher, compute, period, by_period in (
        (
            "referrals_open",
            "Open NRM referrals",
            "Referrals received and not yet concluded: awaiting allocation, preparation, a "
            "reasonable or conclusive grounds decision, or the end of the recovery period.",
            referrals,
            None,
            open_referrals,
            "now",
            False,
        ),
        (
            "referrals_stuck",
            "Stuck NRM referrals",
            f"Open referrals with no activity for {rules.STUCK_AFTER_DAYS} days or more.",
            referrals,
            False,
            stuck,
            "now",
            False,
        ),
        (
            "referrals_received",
            "NRM referrals received",
            f"Referrals received in the period (by default the last {NRM_QUARTER_DAYS} days).",
            referrals,
            None,
            received,
            f"the last {NRM_QUARTER_DAYS} days",
            True,
        ),
        (
            "decisions_served",
            "NRM decisions served",
            "Reasonable and conclusive grounds decisions served in the period (by default the "
            f"last {NRM_QUARTER_DAYS} days).",
            "NRM decisions (the Decision record), by the team holding the referral",
            None,
            served,
            f"the last {NRM_QUARTER_DAYS} days",
            True,
        ),
    ):
        register_metric(
            Metric(
                key=f"nrm.{key}",
                name=name,
                definition=definition,
                population=population,
                higher_is_better=higher,
                compute=compute,
                period=period,
                by_period=by_period,
                **common,
            )
        )
