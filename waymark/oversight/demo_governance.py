"""Governance's demo data (issue 20 item 6): the directorate's risk register and the EM contract's
joint register with the Ministry of Justice (000 rec 4; §5.64-5.75: Capita EMS's service levels,
the December 2021 charging-fault recall, the change request outstanding since October 2021, "a
planned joint risk register ... had yet to be developed"), its supplier issues log, a year of
complaints by every channel (000 §5.93: the Hub "was not aware of any" complaints), and lessons
learned from the seeds. Everything goes through the services, so it is audited; the overdue
sweeps run at the end so the demo's overdue reviews and actions are already tasks.

Risks are added "as at" a past date (the clock frozen there), so some reviews are due now and
some are overdue; complaints are recorded on the day received, allocated within two days, and
about one in six answered late."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from waymark.core import clock

SUPPLIER = "Capita Electronic Monitoring Services (EMS), for the Ministry of Justice"

# (title, cause, effect, owner, likelihood, impact, target L, target I, controls, actions,
#  days ago added, reviewed days ago or None)
JOINT_RISKS = [
    (
        "EMS misses service levels for Home Office cases",
        "Service levels are measured across the whole MOJ contract; the Home Office is about 10% "
        "of devices",
        "Re-installations and removals are late (79.1% against 95%); people are left with faulty "
        "tags and breaches are not averted",
        "service-delivery",
        4,
        4,
        2,
        3,
        "Weekly meeting with the MOJ contract manager and EMS",
        "Ask the MOJ for disaggregated figures for all 16 service levels every month",
        200,
        100,
    ),
    (
        "A batch fault recalls devices in use",
        "A charging fault led to 907 SOLO devices being recalled in December 2021",
        "Breaches rise and people must be re-tagged at short notice",
        "line-manager",
        3,
        5,
        2,
        4,
        "EMS reports faults daily by email",
        "Agree a recall protocol with the MOJ and EMS",
        400,
        None,
    ),
    (
        "Change requests to the supplier's systems are not delivered",
        "The request to record where an induction took place has been outstanding since October "
        "2021",
        "The Hub cannot show that tags are issued, or where",
        "service-delivery",
        4,
        3,
        2,
        2,
        "",
        "Escalate through the joint issues log",
        150,
        None,
    ),
    (
        "EMS visits at unsocial hours",
        "Field officers arrive without warning, one at 11pm",
        "People subject to EM feel threatened; complaints and challenges follow",
        "line-manager",
        2,
        3,
        1,
        3,
        "",
        "Ask the MOJ to agree visiting hours with EMS",
        380,
        None,
    ),
]
DIRECTORATE_RISKS = [
    (
        "Management information cannot be relied on",
        "Figures come from several unaligned systems and are estimated",
        "Decisions and reports to ministers rest on wrong numbers",
        "service-delivery",
        3,
        4,
        2,
        3,
        "One definition per figure in Waymark's metric registry",
        "Reconcile totals that should agree every day",
        120,
        60,
    ),
    (
        "Recommendations are closed without evidence",
        "Actions have been reported closed with no single account of what was done",
        "The inspectorate finds the same failings again",
        "assurance",
        3,
        3,
        1,
        3,
        "Sign-off by someone other than the owner, with the evidence checked",
        "",
        300,
        None,
    ),
    (
        "Staff make decisions they are not trained for",
        "Training is not tested before people are deployed",
        "Unlawful or inconsistent decisions",
        "line-manager",
        2,
        4,
        1,
        4,
        "Competence gate on get next",
        "",
        90,
        None,
    ),
]
# (title, description, owner, days ago raised, target days after raising, status moves)
ISSUES = [
    (
        "Re-installation service level missed three months running",
        "79.1% against 95% for October to December 2021",
        "service-delivery",
        120,
        30,
        ["with_supplier"],
    ),
    (
        "No confirmation of fitting appointments",
        "The Hub gives EMS a time and date and hears nothing back",
        "line-manager",
        90,
        21,
        ["with_supplier", "resolved"],
    ),
    (
        "Battery warnings not passed on",
        "EMS does not call the person at 20% battery, so breaches are not averted",
        "line-manager",
        60,
        14,
        [],
    ),
    (
        "Induction location not recorded",
        "Change request outstanding since October 2021",
        "service-delivery",
        200,
        60,
        ["with_supplier", "resolved", "closed"],
    ),
]
LESSONS = [
    (
        "Say what was done when a recommendation is closed",
        "review",
        "Inspection of foreign national offender returns, recommendation 1",
        "Recommendations were reported closed with no single account of what had been done.",
        "Closure needs evidence and someone other than the owner to sign it off.",
        "The recommendations tracker refuses sign-off by the owner and checks the evidence.",
        "assurance",
        240,
    ),
    (
        "Weigh the person's explanation before deciding a breach",
        "litigation",
        "Judicial review of an EM breach decision (settled)",
        "A breach decision was made before the explanation about a faulty charger was read.",
        "Record the explanation and the weight given to it in the decision.",
        "The breach decision form asks for both; quality reviews check it.",
        "line-manager",
        150,
    ),
    (
        "Check the tag's battery history before treating a breach as deliberate",
        "incident",
        "EM incident: 907 SOLO devices recalled for a charging fault, December 2021",
        "Breaches rose across the contract because of a batch charging fault.",
        "A cluster of breaches on one device type points to the device, not the people.",
        "Breach decisions show the device's fault history.",
        "service-delivery",
        330,
    ),
    (
        "Guidance staff cannot find is guidance they do not follow",
        "review",
        "Inspection of illegal working enforcement visits",
        "Officers could not find the current guidance on a phone during visits.",
        "Guidance must be searchable, readable as a web page and approved.",
        "The guidance hub's search and approval states.",
        "line-manager",
        60,
    ),
    (
        "Record a complaint even when it arrives as a legal representation",
        "complaint",
        "Inspection of the Electronic Monitoring Hub, complaints",
        "The Hub was not aware of any complaints; representations that were complaints were not "
        "recorded as such.",
        "Any channel can carry a complaint: record it, with its themes, the day it arrives.",
        "Complaints are recorded in Waymark with a 20-working-day target.",
        "assurance",
        30,
    ),
]
COMPLAINT_TEXTS = {
    "em_equipment": "The tag stopped charging and the supplier did not come to replace it.",
    "delay": "No reply to a request to remove the tag after the review.",
    "staff_conduct": "An officer was rude on the phone.",
    "communication": "Letters were sent in English although an interpreter was needed.",
    "decision": "The breach decision ignored the explanation given.",
    "reporting": "Reporting was moved to a centre two hours away.",
    "data": "A letter was sent to an old address.",
    "other": "The person's property was not returned.",
}
CHANNEL_WEIGHTS = {
    "letter": 3,
    "email": 4,
    "phone": 2,
    "web_form": 3,
    "mp": 1,
    "in_person": 1,
}


def _user(*usernames: str):
    from waymark.accounts.models import User

    for name in usernames:
        user = User.objects.filter(username=name, is_active=True).first()
        if user is not None:
            return user
    return None


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=clock.LONDON)


def _risks(services, register, specs, today: date) -> int:
    added = 0
    for (
        title,
        cause,
        effect,
        owner,
        likelihood,
        impact,
        t_l,
        t_i,
        controls,
        actions,
        days_ago,
        reviewed_ago,
    ) in specs:
        with clock.frozen(_at(today - timedelta(days=days_ago))):
            risk = services.risk_add(
                actor=None,
                register=register,
                title=title,
                cause=cause,
                effect=effect,
                owner=_user(owner, "service-delivery"),
                likelihood=likelihood,
                impact=impact,
                target_likelihood=t_l,
                target_impact=t_i,
                controls=controls,
                mitigating_actions=actions,
            )
        added += 1
        if reviewed_ago is not None:
            with clock.frozen(_at(today - timedelta(days=reviewed_ago))):
                services.risk_review_record(
                    actor=None,
                    risk=risk,
                    reviewed_on=today - timedelta(days=reviewed_ago),
                    likelihood=likelihood,
                    impact=impact,
                    note="Reviewed at the monthly contract meeting; no change.",
                )
    return added


def governance_demo_load(
    *,
    anchor: datetime,
    scale: float = 1.0,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    from waymark.oversight.models import (
        Complaint,
        ComplaintChannel,
        ComplaintTheme,
        RegisterKind,
        RiskRegister,
    )
    from waymark.oversight.services import governance as services
    from waymark.people.models import Person

    owner = _user("service-delivery")
    assurance = _user("assurance")
    if owner is None or assurance is None or RiskRegister.objects.exists():
        return {"oversight_risk_registers": RiskRegister.objects.count()}
    rng = random.Random(seed)
    with clock.frozen(anchor):
        today = clock.today()
    with clock.frozen(_at(today - timedelta(days=420))):
        directorate = services.register_create(
            actor=None,
            name="Immigration Enforcement directorate risk register",
            kind=RegisterKind.DIRECTORATE,
            owner=owner,
            description="The directorate's strategic and operational risks.",
        )
        joint = services.register_create(
            actor=None,
            name="EM contract joint risk register",
            kind=RegisterKind.JOINT,
            owner=assurance,
            contract_owner=owner,
            supplier=SUPPLIER,
            contract="MOJ electronic monitoring services contract (MoU of 13 March 2018)",
            description="Held jointly with the Ministry of Justice: the contract, "
            "the relationship with EMS, and the supplier issues log.",
        )
    risks = _risks(services, joint, JOINT_RISKS, today)
    risks += _risks(services, directorate, DIRECTORATE_RISKS, today)
    first = joint.risks.order_by("number").first()
    with clock.frozen(anchor):
        services.risk_accept(
            actor=assurance,
            risk=joint.risks.get(number=4),
            expires_on=today + timedelta(days=60),
            reason="Held within tolerance while the MOJ agrees visiting hours with EMS.",
        )
    issues = 0
    for title, description, who, ago, target, moves in ISSUES:
        raised = today - timedelta(days=ago)
        with clock.frozen(_at(raised)):
            issue = services.supplier_issue_raise(
                actor=None,
                register=joint,
                title=title,
                description=description,
                owner=_user(who, "service-delivery"),
                raised_on=raised,
                supplier_contact="EMS account manager",
                target_on=raised + timedelta(days=target),
                risk=first,
            )
        issues += 1
        for n, status in enumerate(moves, start=1):
            with clock.frozen(_at(raised + timedelta(days=7 * n))):
                services.supplier_issue_move(
                    actor=owner,
                    issue=issue,
                    status=status,
                    note={
                        "with_supplier": "Raised at the weekly meeting with the MOJ and EMS.",
                        "resolved": "EMS confirmed the fix; checked against the daily report.",
                        "closed": "Agreed closed at the joint meeting.",
                    }[status],
                )
    # Complaints: a year of them, several a month, by every channel.
    handlers = [u for u in (_user("line-manager"), _user("assurance")) if u is not None]
    people = list(Person.objects.order_by("pk").values_list("reference", flat=True)[:40])
    channels = [c for c, w in CHANNEL_WEIGHTS.items() for _ in range(w)]
    themes = list(ComplaintTheme.values)
    complaints = escalations = 0
    count = max(12, int(60 * min(scale, 1.0)))
    for n in range(count):
        received = today - timedelta(days=rng.randint(0, 360))
        if received.weekday() >= 5:
            received -= timedelta(days=received.weekday() - 4)
        chosen = rng.sample(themes, rng.choice([1, 1, 1, 2]))
        text = COMPLAINT_TEXTS.get(chosen[0], "The person's property was not returned.")
        with clock.frozen(_at(received)):
            complaint = services.complaint_record(
                actor=None,
                channel=rng.choice(channels),
                received_on=received,
                complainant="Their MP" if n % 9 == 0 else "The person's representative",
                summary=text,
                themes=chosen,
                person_reference=rng.choice(people) if people and n % 3 else "",
            )
        complaints += 1
        if received > today - timedelta(days=3) or not handlers:
            continue  # recent ones still to allocate
        with clock.frozen(_at(received + timedelta(days=1))):
            complaint = services.complaint_allocate(
                actor=assurance, complaint=complaint, handler=rng.choice(handlers)
            )
        late = rng.random() < 0.17
        answer_on = (
            complaint.due_on + timedelta(days=rng.randint(1, 10))
            if late
            else (received + timedelta(days=rng.randint(5, 25)))
        )
        answer_on = min(answer_on, complaint.due_on + timedelta(days=10))
        if answer_on >= today:
            continue  # still open
        outcome = rng.choice(["upheld", "partly_upheld", "not_upheld", "not_upheld"])
        with clock.frozen(_at(answer_on)):
            complaint = services.complaint_respond(
                actor=complaint.handler,
                complaint=complaint,
                responded_on=answer_on,
                outcome=outcome,
                response="We have looked into what happened and written to explain.",
            )
        if outcome == "not_upheld" and n % 3 == 0:
            escalations += _demo_escalate(complaint, assurance, handlers, today, rng)
    lessons = 0
    for title, source, ref, summary, lesson, actions, who, ago in LESSONS:
        with clock.frozen(_at(today - timedelta(days=ago))):
            services.lesson_record(
                actor=None,
                title=title,
                source_type=source,
                source_reference=ref,
                summary=summary,
                lesson=lesson,
                actions=actions,
                owner=_user(who, "service-delivery"),
                learned_on=today - timedelta(days=ago),
            )
        lessons += 1
    with clock.frozen(anchor):
        reviews = services.risk_reviews_sweep()
        actions = services.actions_overdue_sweep()
    return {
        "oversight_risk_registers": 2,
        "oversight_risks": risks,
        "oversight_supplier_issues": issues,
        "oversight_complaints": complaints,
        "oversight_complaint_channels": len(ComplaintChannel.values),
        "oversight_lessons": lessons,
        "oversight_overdue_review_tasks": reviews["tasks"],
        "oversight_overdue_action_tasks": actions["tasks"],
        "oversight_open_complaints": Complaint.objects.exclude(status="responded").count(),
        "oversight_complaint_escalations": escalations,
    }


def _demo_escalate(complaint, assurance, handlers, today, rng) -> int:
    """A stage-2 review a week after a response not upheld, by the other handler, answered two
    weeks later; every other one then taken to the Ombudsman, who decides two months on. Steps
    that would fall after ``today`` are left to do. Returns the escalations made."""
    from waymark.oversight.services import governance as services

    reviewers = [h for h in handlers if h.pk != complaint.handler_id]
    asked = complaint.responded_on + timedelta(days=7)
    if not reviewers or asked >= today:
        return 0
    with clock.frozen(_at(asked)):
        review = services.complaint_review_request(
            actor=assurance,
            complaint=complaint,
            requested_on=asked,
            reason="The complainant says the response did not deal with what happened.",
        )
        review = services.complaint_review_allocate(
            actor=assurance, escalation=review, handler=reviewers[0]
        )
    answered = asked + timedelta(days=14)
    if answered >= today:
        return 1
    with clock.frozen(_at(answered)):
        services.complaint_review_respond(
            actor=reviewers[0],
            escalation=review,
            responded_on=answered,
            outcome=rng.choice(["not_upheld", "partly_upheld"]),
            response="The review looked again at the records and the recordings.",
        )
    referred = answered + timedelta(days=30)
    if complaint.pk % 2 or referred >= today:
        return 1
    with clock.frozen(_at(referred)):
        referral = services.complaint_ombudsman_refer(
            actor=assurance,
            complaint=complaint,
            referred_on=referred,
            reference=f"PHSO-{complaint.pk:05d}",
        )
    decided = referred + timedelta(days=60)
    if decided >= today:
        return 2
    with clock.frozen(_at(decided)):
        services.complaint_ombudsman_decide(
            actor=assurance,
            escalation=referral,
            decided_on=decided,
            outcome="partly_upheld",
            finding="The department should have confirmed the change by phone as well.",
            remedy="A written apology",
        )
    return 2
