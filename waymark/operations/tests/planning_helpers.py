"""Build a visit step by step through the planning services (shared by the planning tests)."""

from __future__ import annotations

from datetime import date, timedelta

from waymark.core import clock
from waymark.operations import rules, services

from .conftest import NOW, VISIT_AT

RISKS = [("Staff may run from the rear door", "Officers posted at the rear exit before entry")]
PLAN = {
    "proportionate": "A targeted visit to one business on reliable intelligence",
    "legal": "Informed consent; warrant as fallback",
    "accountable": "Authorised and recorded",
    "necessary": "No less intrusive way to establish illegal working",
}


def rate(visit, actor, rating: str = "green"):
    return services.risk_assessment_record(
        actor=actor,
        visit=visit,
        rating=rating,
        rationale="Low risk: no history of violence",
        risks=RISKS,
    )


def plan_assess(visit, actor):
    return services.plan_assessment_record(actor=actor, visit=visit, **PLAN)


def ecia(visit, actor):
    return services.impact_assessment_record(
        actor=actor,
        visit=visit,
        groups_affected="Local traders",
        community_tensions="None known",
        equality_considerations="Visit not selected by nationality",
        mitigations="Community engagement after",
    )


def authorise(visit, authoriser):
    return services.visit_authorise(
        actor=authoriser, visit=visit, granted=True, reason="Plan is sound"
    )


def early_checks(visit, actor):
    for subject in visit.subjects.all():
        for key in ("casework_subject", "visa_records", "pnc"):
            services.check_record(
                actor=actor, visit=visit, check_type=key, result="no_trace", subject=subject
            )
    for key in ("casework_postcode", "previous_visits"):
        services.check_record(actor=actor, visit=visit, check_type=key, result="no_trace")


def notify_and_answer(visit, actor, police_partner):
    form = services.notification_send(actor=actor, visit=visit)
    return services.notification_answer(
        actor=police_partner,
        form=form,
        signed_by_name="PS Jane Smith",
        signed_by_rank="Sergeant",
        warning_markers="None known",
        community_tensions="None known",
        complete=True,
    )


def recon(visit, actor):
    return services.reconnaissance_record(
        actor=actor,
        visit=visit,
        recon_type="virtual",
        imagery_date=date(2026, 6, 1),
        entry_exit_points="Front door; rear yard",
    )


def order(visit, actor):
    sections = {
        k: f"{label} for the visit" for k, label in rules.order_sections(visit.risk_rating).items()
    }
    return services.order_record(actor=actor, visit=visit, sections=sections)


def ready_but_final_check(visit, *, oic, authoriser, officers, police_partner):
    """Everything except the final status check and the briefing acceptances (done at NOW)."""
    with clock.frozen(NOW):
        rate(visit, oic)
        plan_assess(visit, oic)
        authorise(visit, authoriser)
        early_checks(visit, oic)
        notify_and_answer(visit, oic, police_partner)
        recon(visit, oic)
        services.command_set(actor=oic, visit=visit, officer_in_charge=oic)
        for officer in officers:
            services.visit_officer_assign(
                actor=oic, visit=visit, officer=officer, role="Arrest team"
            )
        order(visit, oic)
    visit.refresh_from_db()
    return visit


FINAL_AT = VISIT_AT - timedelta(hours=2)


def final_check(visit, actor):
    with clock.frozen(FINAL_AT):
        return services.check_record(
            actor=actor, visit=visit, check_type="final_status", result="no_trace"
        )
