"""EM demo data at the seeds' volumes (000; figures.md), built on the people the platform's demo
generator put on bail with an EM condition. Written in bulk, deterministic for a seed.

At x1: about 1,732 conditions (1,615 GPS and 7 RF tags fitted, the rest awaiting a device, 81 of
them released as Figure 5: 34 attempted and unsuccessful, 42 not yet attempted, 5 arranged); 7,131
breach notifications over the six months before the anchor in Figure 6's monthly shape and type
mix, with the accumulated battery rule applied; reviews (338 done, 818 outstanding), challenges
(Figure 14, §5.18 outcomes), trail-data requests (Figure 9), staff (Figure 10), device plan
(Figure 11) and six months of supplier service figures (Figure 12).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction

from waymark.core.clock import LONDON
from waymark.monitoring import rules
from waymark.monitoring.models import (
    AccumulatedViolation,
    Breach,
    BreachDisposition,
    Challenge,
    Condition,
    ConditionStatus,
    DeviceFault,
    DeviceStock,
    Exemption,
    FittingOrder,
    JointLogEntry,
    OrderStatus,
    Review,
    ReviewStatus,
    ServiceFigure,
    StaffInPost,
    SupplierClient,
    TrailDataRequest,
)
from waymark.people.models import BailGrant, Person, TimelineEvent
from waymark.work.models import Queue, Task
from waymark.work.rules import deadline_compute


def _deadline(task: Task, rule: str, start: datetime) -> Task:
    """Time the task as ``task_create`` would: the rule's due date and inputs, stored on the task."""
    task.due_at, task.deadline_inputs = deadline_compute(rule, start, task.queue.team.nation)
    task.deadline_rule = rule
    return task


# 000 §1.11, note 7: 1,732 on bail with EM; 1,622 actively monitored (1,615 GPS, 7 RF).
ACTIVE_SHARE = 1_622 / 1_732
RF_SHARE = 7 / 1_622
# 000 Figure 5: released awaiting a device.
RELEASED_AWAITING = {"attempted_unsuccessful": 34, "not_yet_attempted": 42, "arranged": 5}
# 000 Figure 6: notifications a month, Sep 2021 to Feb 2022 (7,131), and the type mix.
MONTHLY_BREACHES = [716, 876, 1_000, 1_310, 1_533, 1_696]
TYPE_MIX = {
    "battery": 4_970,
    "absence_15_minute": 915,
    "full_curfew": 393,
    "interference": 347,
    "not_available_for_installation": 321,
    # "other" 188, spread over the remaining types
    "partial_curfew": 40,
    "strap_tamper": 30,
    "inability_to_monitor": 25,
    "ac_power_loss": 20,
    "location": 20,
    "monitor_movement": 15,
    "moved_without_variation": 12,
    "out_of_contact": 10,
    "unsuccessful_induction": 6,
    "failed_enrolment": 4,
    "abusive_behaviour": 3,
    "negative_ram": 3,
}
# 000 Figure 14 and §5.18.
REVIEWS_DONE, REVIEWS_OUTSTANDING, CEASED_OR_VARIED = 338, 818, 162
CHALLENGES = {"judicial_review": (2, 3), "pre_action": (16, 3), "representation": (77, 8)}
REPRESENTATION_OUTCOMES = {
    "em_ceased": 2,
    "curfew_removed": 28,
    "curfew_amended": 3,
    "maintained": 40,
    "withdrawn": 4,
}
# 000 §5.37, Figure 9.
TRAIL_REQUESTERS = {"police": 18, "probation": 16, "home_office": 2}
TRAIL_OUTCOMES = {
    "provided": 24,
    "partial": 2,
    "rejected_justification": 4,
    "rejected_too_broad": 3,
    "rejected_other": 2,
    "withdrawn": 1,
}
# 000 Figure 10: FTE in post / required.
STAFF = {
    "G6": ("1", "1"),
    "G7": ("1", "1"),
    "SEO": ("1", "1"),
    "HEO": ("3.82", "3.7"),
    "EO": ("13.2", "17.2"),
    "AO": ("2", "16.7"),
}
# 000 Figure 11 (March 2022): planned in use.
DEVICE_PLAN = {"non_fitted": (1_421, 0), "gps_fitted": (1_125, 240), "radio_frequency": (0, 0)}
# Figure 12 targets with demo achievements around them.
SERVICE_ACHIEVED = {
    "reinstallation": 0.96,
    "removal_non_bail": 0.93,
    "removal_tamper": 0.88,
    "requesting_information": 0.81,
    "informing_authorities": 0.86,
    "court_attendance": 1.0,
}

DEMO_SUPPLIER_CLIENT = "demo-supplier"
# Printed by ``make run`` for the simulator; never used outside the demo database.
DEMO_SUPPLIER_SECRET = "whsec_ZGVtby1zdXBwbGllci1zaWduaW5nLXNlY3JldC0yMDI2"  # noqa: S105


def _share(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _scaled(n: int, scale: float) -> int:
    return max(1, round(n * scale)) if n else 0


def em_demo_load(
    *,
    anchor: datetime,
    scale: float = 1.0,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    rng = random.Random(seed * 7 + 3)
    counts: dict[str, int] = {}
    queues = {q.slug: q for q in Queue.objects.filter(slug__in=[s for s, _ in rules.QUEUES])}
    grants = list(
        BailGrant.objects.filter(
            conditions__icontains="electronic monitoring", em_conditions__isnull=True
        )
        .select_related("person")
        .order_by("pk")
    )
    if not grants:
        return counts
    with transaction.atomic():
        _reference_data(anchor=anchor, rng=rng, scale=scale, counts=counts)
        conditions = _conditions(
            grants=grants, anchor=anchor, rng=rng, scale=scale, counts=counts, queues=queues
        )
        active = [c for c in conditions if c.status == ConditionStatus.ACTIVE]
        if progress:
            progress(f"EM conditions {len(conditions):,} ({len(active):,} fitted)")
        _breaches(active=active, anchor=anchor, rng=rng, scale=scale, counts=counts, queues=queues)
        if progress:
            progress(
                f"EM breaches {counts.get('em_breaches', 0):,}; work items {counts.get('em_work_items', 0):,}"
            )
        _reviews(active=active, anchor=anchor, rng=rng, scale=scale, counts=counts, queues=queues)
        _challenges(
            active=active, anchor=anchor, rng=rng, scale=scale, counts=counts, queues=queues
        )
        _trail(active=active, anchor=anchor, rng=rng, scale=scale, counts=counts)
        _exemptions(anchor=anchor, rng=rng, scale=scale, counts=counts)
    return counts


def _at(day: date, rng: random.Random, low: int = 8, high: int = 17) -> datetime:
    return datetime.combine(day, time(rng.randint(low, high), rng.randrange(60)), tzinfo=LONDON)


def _reference_data(*, anchor, rng, scale, counts) -> None:
    for grade, (in_post, required) in STAFF.items():
        StaffInPost.objects.update_or_create(
            grade=grade,
            defaults={
                "in_post_fte": Decimal(in_post)
                * Decimal(str(max(scale, 1) if grade in ("EO", "AO") else 1)),
                "required_fte": Decimal(required),
                "updated_at": anchor,
            },
        )
    for device_type, (planned, available) in DEVICE_PLAN.items():
        DeviceStock.objects.update_or_create(
            device_type=device_type,
            defaults={
                "planned_in_use": round(planned * scale),
                "available": round(available * scale),
                "updated_at": anchor,
            },
        )
    month = anchor.astimezone(LONDON).date().replace(day=1)
    for back in range(1, 7):
        first = month - relativedelta(months=back)
        for measure, achieved in SERVICE_ACHIEVED.items():
            total = (
                max(4, round(rng.randint(20, 60) * scale))
                if measure != "court_attendance"
                else rng.randint(1, 4)
            )
            met = min(total, round(total * (achieved + rng.uniform(-0.03, 0.03))))
            ServiceFigure.objects.update_or_create(
                month=first, measure=measure, defaults={"met": met, "total": total}
            )
    faults = []
    for _ in range(_scaled(90, scale)):
        faults.append(
            DeviceFault(
                device_serial=f"GPS-{rng.randint(100000, 999999)}",
                cause=_share(
                    rng, {"charging": 45, "sim": 20, "communication": 25, "strap": 5, "other": 5}
                ),
                reported_at=anchor - timedelta(hours=rng.randint(1, 24 * 180)),
            )
        )
    DeviceFault.objects.bulk_create(faults)
    if not JointLogEntry.objects.exists():
        JointLogEntry.objects.bulk_create(
            [
                JointLogEntry(
                    kind="issue",
                    title="Slot confirmations late for prison inductions",
                    description="Orders sent before noon not confirmed the same day (000 §5.73)",
                    owner="Supplier",
                    raised_at=anchor - timedelta(days=40),
                ),
                JointLogEntry(
                    kind="issue",
                    title="Fitting success rate not evidenced",
                    description="The 'over 99%' claim cannot be checked without outcome data (000 §5.68)",
                    owner="MoJ contract owner",
                    raised_at=anchor - timedelta(days=25),
                ),
                JointLogEntry(
                    kind="risk",
                    title="Non-fitted device roll-out slips",
                    description="The plan assumes 1,421 non-fitted devices in use (000 Figure 11)",
                    owner="Home Office",
                    likelihood=4,
                    impact=4,
                    mitigation="Monthly review with the contract owner",
                    raised_at=anchor - timedelta(days=60),
                ),
                JointLogEntry(
                    kind="risk",
                    title="Hub staffing below requirement",
                    description="22.02 FTE in post against 40.6 required (000 Figure 10)",
                    owner="Home Office",
                    likelihood=5,
                    impact=4,
                    mitigation="Recruitment of 14.7 AO",
                    raised_at=anchor - timedelta(days=90),
                ),
            ]
        )
    SupplierClient.objects.get_or_create(
        client_id=DEMO_SUPPLIER_CLIENT,
        defaults={
            "label": "Monitoring supplier (demo)",
            "secret": DEMO_SUPPLIER_SECRET,
            "created_at": anchor,
            "machine_user": _supplier_user(),
        },
    )
    counts["em_service_figures"] = ServiceFigure.objects.count()


def _supplier_user():
    from django.contrib.auth.models import Group

    from waymark.accounts.models import User

    user, _ = User.objects.get_or_create(
        username="supplier-demo-machine",
        defaults={"is_machine": True, "first_name": "Monitoring", "last_name": "supplier"},
    )
    group = Group.objects.filter(name="supplier").first()
    if group is not None:
        user.groups.add(group)
    return user


def _recommend(person: Person) -> rules.Recommendation:
    return rules.device_recommend(
        harm_level=person.harm_level,
        sentence_months=None,
        breach_count=0,
        compliance_concerns=False,
        vulnerable=person.vulnerability_assessment == "vulnerable",
        fitted_available=1,
        non_fitted_available=0,
    )


def _conditions(*, grants, anchor, rng, scale, counts, queues) -> list[Condition]:
    n = len(grants)
    n_active = round(n * ACTIVE_SHARE)
    released = {
        k: min(_scaled(v, scale), max(0, n - n_active)) for k, v in RELEASED_AWAITING.items()
    }
    conditions, orders, events, tasks = [], [], [], []
    released_plan = [k for k, v in released.items() for _ in range(v)]
    for index, grant in enumerate(grants):
        person = grant.person
        advice = _recommend(person)
        granted = min(grant.granted_at, anchor - timedelta(hours=6))
        is_judge = grant.granted_by == "immigration_judge"
        limit = timedelta(
            hours=rules.JUDGE_FITTING_HOURS if is_judge else rules.sos_fitting_target_hours()
        )
        active = index < n_active
        state = ""
        if not active:
            awaiting_index = index - n_active
            state = released_plan[awaiting_index] if awaiting_index < len(released_plan) else "held"
            # Awaiting fitting now: the grant is recent for those held, older for those released.
            granted = anchor - (
                timedelta(hours=rng.randint(4, 70))
                if state == "held"
                else timedelta(days=rng.randint(4, 40))
            )
            BailGrant.objects.filter(pk=grant.pk).update(granted_at=granted)
        device = "radio_frequency" if active and rng.random() < RF_SHARE else "gps_fitted"
        fitted_at = (
            granted + timedelta(hours=rng.uniform(6, 70 if is_judge else 110)) if active else None
        )
        curfew = rng.random() < 0.6
        condition = Condition(
            person=person,
            bail_grant=grant,
            status=ConditionStatus.ACTIVE if active else ConditionStatus.AWAITING_FITTING,
            device_type=device,
            curfew_days=[1, 2, 3, 4, 5, 6, 7] if curfew else [],
            curfew_start=time(23, 0) if curfew else None,
            curfew_end=time(7, 0) if curfew else None,
            start_date=granted.astimezone(LONDON).date(),
            conditions_text="Wear the tag at all times",
            decided_at=granted,
            representations_due_at=granted + timedelta(days=rules.REPRESENTATIONS_WINDOW_DAYS),
            fitting_due_at=granted + limit,
            fitting_limit_rule=rules.DEADLINE_JUDGE_FITTING
            if is_judge
            else rules.DEADLINE_SOS_FITTING,
            recommended_device_type=advice.device_type,
            recommended_review_months=advice.review_months,
            recommendation_reasons=advice.reasons,
            recommender_version=advice.version,
            departure_reasons=""
            if device == advice.device_type
            else "Legacy radio-frequency tag already in use",
            held_in_detention=state != "not_yet_attempted" or rng.random() < 0.5,
            released_at=None
            if state in ("", "held")
            else granted + timedelta(hours=rng.randint(1, 30)),
            device_serial=f"{'RF' if device == 'radio_frequency' else 'GPS'}-{100000 + index}"
            if active
            else "",
            issued_phone_number=(
                f"07700 9{index % 100000:05d}" if active and rng.random() > 0.01 else ""
            ),
            fitted_at=fitted_at,
        )
        if active and state == "":
            condition.released_at = None
        conditions.append((condition, state))
    Condition.objects.bulk_create([c for c, _ in conditions], batch_size=2000)
    seq = (FittingOrder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for condition, state in conditions:
        person = condition.person
        events.append(
            TimelineEvent(
                person=person,
                occurred_at=condition.decided_at,
                recorded_at=condition.decided_at,
                module="monitoring",
                event_type="em.condition_imposed",
                summary=f"EM condition imposed: {condition.get_device_type_display()}",
                related_type="monitoring.condition",
                related_id=str(condition.pk),
            )
        )
        place = "prison" if condition.held_in_detention else "home"
        slot = condition.decided_at + timedelta(hours=rng.randint(8, 40))
        if condition.status == ConditionStatus.ACTIVE:
            orders.append(
                FittingOrder(
                    reference=f"FO-{seq:07d}",
                    condition=condition,
                    person=person,
                    status=OrderStatus.FITTED,
                    place=place,
                    place_details="HMP Wandsworth" if place == "prison" else "Home address",
                    requested_slot_start=slot,
                    confirmed_slot_start=slot,
                    slot_answered_at=condition.decided_at + timedelta(hours=rng.randint(1, 12)),
                    sent_at=condition.decided_at + timedelta(minutes=5),
                    outcome_at=condition.fitted_at,
                    created_at=condition.decided_at,
                    language=person.main_language,
                    interpreter_needed=person.interpreter_needed,
                )
            )
            seq += 1
            events.append(
                TimelineEvent(
                    person=person,
                    occurred_at=condition.fitted_at,
                    recorded_at=condition.fitted_at,
                    module="monitoring",
                    event_type="em.fitting_outcome",
                    summary=f"Device fitted ({condition.device_serial})",
                    related_type="monitoring.condition",
                    related_id=str(condition.pk),
                )
            )
            continue
        if state == "attempted_unsuccessful":
            orders.append(
                FittingOrder(
                    reference=f"FO-{seq:07d}",
                    condition=condition,
                    person=person,
                    status=OrderStatus.FAILED,
                    place=place,
                    place_details="Home address",
                    requested_slot_start=slot,
                    confirmed_slot_start=slot,
                    slot_answered_at=condition.decided_at + timedelta(hours=3),
                    sent_at=condition.decided_at,
                    outcome_at=slot,
                    failure_reason=_share(
                        rng,
                        {
                            "not_available": 5,
                            "uncooperative": 2,
                            "supplier_did_not_attend": 2,
                            "equipment_fault": 1,
                        },
                    ),
                    created_at=condition.decided_at,
                )
            )
            seq += 1
        elif state == "arranged":
            orders.append(
                FittingOrder(
                    reference=f"FO-{seq:07d}",
                    condition=condition,
                    person=person,
                    status=OrderStatus.SLOT_CONFIRMED,
                    place=place,
                    place_details="Home address",
                    requested_slot_start=anchor + timedelta(days=1),
                    confirmed_slot_start=anchor + timedelta(days=1),
                    slot_answered_at=anchor - timedelta(hours=3),
                    sent_at=anchor - timedelta(hours=5),
                    created_at=anchor - timedelta(hours=5),
                )
            )
            seq += 1
        tasks.append(
            Task(
                task_type=rules.TASK_FITTING_JUDGE
                if condition.fitting_limit_rule == rules.DEADLINE_JUDGE_FITTING
                else rules.TASK_FITTING_SOS,
                queue=queues[rules.QUEUE_FITTING],
                person=person,
                subject_type="monitoring.condition",
                subject_id=str(condition.pk),
                title=f"Arrange fitting for {person.full_name}",
                created_at=condition.decided_at,
                due_at=condition.fitting_due_at,
                deadline_rule=condition.fitting_limit_rule,
                deadline_inputs={
                    "hours": int(
                        (condition.fitting_due_at - condition.decided_at).total_seconds() // 3600
                    )
                },
                priority=0,
                priority_reason="Standard priority",
                dedupe_key=f"em-fitting-{condition.pk}",
            )
        )
    FittingOrder.objects.bulk_create(orders, batch_size=2000)
    TimelineEvent.objects.bulk_create(events, batch_size=2000)
    Task.objects.bulk_create(tasks, batch_size=2000)
    counts["em_conditions"] = len(conditions)
    counts["em_orders"] = len(orders)
    return [c for c, _ in conditions]


def _breaches(*, active, anchor, rng, scale, counts, queues) -> None:
    if not active:
        return
    month_start = anchor.astimezone(LONDON).date().replace(day=1)
    weights = TYPE_MIX
    # A few people are persistent battery breachers: the rule's effect shows in their records.
    heavy = rng.sample(active, k=max(1, len(active) // 6))
    rows: list[Breach] = []
    anchor_day = anchor.astimezone(LONDON).date()
    latest = anchor - timedelta(hours=2)
    # The six months up to the anchor (the last one runs to the anchor), so that recent breaches
    # are still open work, as Figure 6's last month was when the Hub was inspected.
    for back, monthly in enumerate(reversed(MONTHLY_BREACHES)):
        first = month_start - relativedelta(months=back)
        last = min(first + relativedelta(months=1), anchor_day + timedelta(days=1))
        days = max(1, (last - first).days)
        for _ in range(_scaled(monthly, scale)):
            breach_type = _share(rng, weights)
            condition = (
                rng.choice(heavy)
                if breach_type == "battery" and rng.random() < 0.7
                else rng.choice(active)
            )
            start = _at(first + timedelta(days=rng.randrange(days)), rng, 0, 21)
            for _ in range(20):  # someone already fitted by then, so the month keeps its count
                if not condition.fitted_at or condition.fitted_at < start:
                    break
                condition = rng.choice(active)
            if condition.fitted_at and start < condition.fitted_at:
                start = min(
                    condition.fitted_at + timedelta(hours=1),
                    _at(last - timedelta(days=1), rng, 0, 20),
                )
            if start > latest - timedelta(hours=8):
                start = latest - timedelta(hours=rng.uniform(8, 20))
            hours = {"battery": rng.uniform(1, 6), "out_of_contact": rng.uniform(24, 24 * 10)}.get(
                breach_type, rng.uniform(0.2, 3)
            )
            rows.append(
                Breach(
                    person=condition.person,
                    condition=condition,
                    breach_type=breach_type,
                    started_at=start,
                    ended_at=max(start, min(start + timedelta(hours=hours), latest)),
                    received_at=start + timedelta(minutes=rng.randint(2, 90)),
                    disposition=BreachDisposition.ACTIONABLE,
                )
            )
    rows.sort(key=lambda b: (b.person_id, b.started_at))
    # The accumulated battery rule, as the service applies it.
    violations: list[tuple[AccumulatedViolation, list[Breach]]] = []
    by_person: dict[int, list[Breach]] = {}
    for breach in rows:
        if breach.breach_type == rules.BATTERY:
            breach.disposition = BreachDisposition.BATTERY_BELOW
            by_person.setdefault(breach.person_id, []).append(breach)
    for person_id, pending in by_person.items():
        for first_i, last_i, total in rules.battery_violations(
            [(b.started_at, b.ended_at) for b in pending]
        ):
            counted = pending[first_i : last_i + 1]
            violation = AccumulatedViolation(
                person_id=person_id,
                window_start=counted[0].started_at,
                window_end=counted[-1].ended_at,
                total_seconds=int(total.total_seconds()),
                raised_at=counted[-1].received_at,
            )
            violations.append((violation, counted))
            for b in counted:
                b.disposition = BreachDisposition.BATTERY_COUNTED
    AccumulatedViolation.objects.bulk_create([v for v, _ in violations], batch_size=2000)
    for violation, counted in violations:
        for b in counted:
            b.accumulated = violation
    raised: dict[int, list[datetime]] = {}
    for violation, _counted in violations:
        raised.setdefault(violation.person_id, []).append(violation.raised_at)
    actionable_so_far: dict[int, int] = {}
    for breach in rows:
        if breach.disposition == BreachDisposition.ACTIONABLE:
            oc = (
                breach.ended_at - breach.started_at
                if breach.breach_type == "out_of_contact"
                else None
            )
            breach.priority, breach.priority_reason = rules.breach_priority(breach.breach_type, oc)
            # The ladder step the service gives (breaches.py): this person's actionable breaches
            # and accumulated violations so far, this one included.
            so_far = actionable_so_far.get(breach.person_id, 0) + 1
            actionable_so_far[breach.person_id] = so_far
            earlier = sum(1 for at in raised.get(breach.person_id, ()) if at <= breach.received_at)
            breach.ladder_step = rules.ladder_step_for(so_far + earlier, breach.breach_type).number
    Breach.objects.bulk_create(rows, batch_size=2000)
    tasks = []
    recent = anchor - timedelta(days=10)
    for breach in rows:
        if breach.disposition != BreachDisposition.ACTIONABLE:
            continue
        done = breach.received_at < recent
        tasks.append(
            _deadline(
                Task(
                    task_type=rules.TASK_BREACH,
                    queue=queues[rules.QUEUE_BREACHES],
                    person=breach.person,
                    subject_type="monitoring.breach",
                    subject_id=str(breach.pk),
                    title=f"{rules.BREACH_TYPE_LABELS[breach.breach_type]}: {breach.person.full_name}",
                    description=_ladder_description(breach.ladder_step),
                    created_at=breach.received_at,
                    priority=breach.priority,
                    priority_reason=breach.priority_reason,
                    status="done" if done else "open",
                    completed_at=breach.received_at + timedelta(hours=rng.randint(2, 72))
                    if done
                    else None,
                    outcome="actioned" if done else "",
                    dedupe_key=f"em-breach-{breach.pk}",
                ),
                rules.DEADLINE_NEXT_WORKING_DAY,
                breach.received_at,
            )
        )
    for violation, _counted in violations:
        done = violation.raised_at < recent
        tasks.append(
            _deadline(
                Task(
                    task_type=rules.TASK_ACCUMULATED_BATTERY,
                    queue=queues[rules.QUEUE_BREACHES],
                    person_id=violation.person_id,
                    subject_type="monitoring.accumulatedviolation",
                    subject_id=str(violation.pk),
                    title="Accumulated battery violation",
                    created_at=violation.raised_at,
                    priority=rules.PRIORITY_ACCUMULATED_BATTERY,
                    priority_reason="12 hours or more out of contact (battery) within 7 days (000 §5.16)",
                    status="done" if done else "open",
                    completed_at=violation.raised_at + timedelta(hours=24) if done else None,
                    outcome="actioned" if done else "",
                    dedupe_key=f"em-accumulated-{violation.pk}",
                ),
                rules.DEADLINE_NEXT_WORKING_DAY,
                violation.raised_at,
            )
        )
    created = Task.objects.bulk_create(tasks, batch_size=2000)
    # Each breach and violation points at its task, as the live path leaves them (the hub, the
    # breach queue and the breach page count the same work).
    task_of = {(t.subject_type, int(t.subject_id)): t for t in created}
    for breach in rows:
        breach.task = task_of.get(("monitoring.breach", breach.pk))
    Breach.objects.bulk_update([b for b in rows if b.task], ["task"], batch_size=2000)
    for violation, _counted in violations:
        violation.task = task_of.get(("monitoring.accumulatedviolation", violation.pk))
    AccumulatedViolation.objects.bulk_update(
        [v for v, _ in violations if v.task], ["task"], batch_size=2000
    )
    counts["em_breaches"] = len(rows)
    counts["em_accumulated_violations"] = len(violations)
    counts["em_work_items"] = len(tasks)


def _ladder_description(step_number: int | None) -> str:
    if step_number is None:
        return ""
    step = rules.ESCALATION_LADDER[step_number - 1]
    return f"Escalation ladder: step {step.number}, {step.label}."


def _reviews(*, active, anchor, rng, scale, counts, queues) -> None:
    today = anchor.astimezone(LONDON).date()
    candidates = [
        c
        for c in active
        if c.fitted_at
        and c.fitted_at.astimezone(LONDON).date()
        + relativedelta(months=rules.REVIEW_INTERVAL_MONTHS)
        <= today
    ]
    rng.shuffle(candidates)
    n_done = min(_scaled(REVIEWS_DONE, scale), len(candidates))
    n_due = min(_scaled(REVIEWS_OUTSTANDING, scale), len(candidates) - n_done)
    rows, tasks = [], []
    outcomes = (
        ["vary_curfew_removed"] * 100
        + ["vary_curfew_amended"] * 30
        + ["cease"] * 20
        + ["vary_device_changed"] * 12
    )
    for i, condition in enumerate(candidates[: n_done + n_due]):
        due_on = condition.fitted_at.astimezone(LONDON).date() + relativedelta(
            months=rules.REVIEW_INTERVAL_MONTHS
        )
        if i < n_done:
            decided = min(
                anchor - timedelta(hours=2), _at(due_on + timedelta(days=rng.randint(0, 20)), rng)
            )
            outcome = (
                outcomes[i % len(outcomes)] if i < round(CEASED_OR_VARIED * scale) else "continue"
            )
            rows.append(
                Review(
                    person=condition.person,
                    condition=condition,
                    due_on=due_on,
                    status=ReviewStatus.COMPLETED,
                    outcome=outcome,
                    reasons_vulnerability="Considered: none that outweighs the need for EM",
                    reasons_medical="No medical evidence received",
                    reasons_convention_rights="Article 8 considered",
                    reasons_harm=f"Harm level {condition.person.get_harm_level_display().lower()}",
                    decided_at=decided,
                    signed_off_at=decided if outcome != "continue" else None,
                    created_at=_at(due_on - timedelta(days=14), rng),
                )
            )
        else:
            rows.append(
                Review(
                    person=condition.person,
                    condition=condition,
                    due_on=due_on,
                    status=ReviewStatus.DUE,
                    created_at=_at(due_on - timedelta(days=14), rng),
                )
            )
    Review.objects.bulk_create(rows, batch_size=2000)
    for review in rows:
        if review.status == ReviewStatus.DUE:
            tasks.append(
                Task(
                    task_type=rules.TASK_REVIEW,
                    queue=queues[rules.QUEUE_REVIEWS],
                    person=review.person,
                    subject_type="monitoring.review",
                    subject_id=str(review.pk),
                    title=f"EM review: {review.person.full_name}",
                    created_at=review.created_at,
                    due_at=datetime.combine(review.due_on, time(17), tzinfo=LONDON),
                    deadline_rule=rules.DEADLINE_AT_START,
                    priority=0,
                    priority_reason="Standard priority",
                    dedupe_key=f"em-review-{review.pk}",
                )
            )
    created = Task.objects.bulk_create(tasks, batch_size=2000)
    by_subject = {int(t.subject_id): t for t in created}
    for review in rows:
        if review.pk in by_subject:
            review.task = by_subject[review.pk]
    Review.objects.bulk_update([r for r in rows if r.task_id], ["task"], batch_size=2000)
    counts["em_reviews_done"] = n_done
    counts["em_reviews_outstanding"] = n_due


def _challenges(*, active, anchor, rng, scale, counts, queues) -> None:
    today = anchor.astimezone(LONDON).date()
    rows = []
    outcome_pool = [k for k, v in REPRESENTATION_OUTCOMES.items() for _ in range(_scaled(v, scale))]
    for kind, (answered, outstanding) in CHALLENGES.items():
        for i in range(_scaled(answered, scale) + _scaled(outstanding, scale)):
            condition = rng.choice(active)
            is_answered = i < _scaled(answered, scale)
            received = today - timedelta(
                days=rng.randint(20, 170) if is_answered else rng.randint(0, 10)
            )
            received_at = datetime.combine(received, time(9), tzinfo=LONDON)
            rule = {
                "representation": "general_enquiry",
                "pre_action": rules.DEADLINE_PRE_ACTION,
                "judicial_review": rules.DEADLINE_AT_START,
            }[kind]
            start = received_at + timedelta(days=35) if kind == "judicial_review" else received_at
            due, _inputs = deadline_compute(rule, start, queues[rules.QUEUE_REVIEWS].team.nation)
            outcome = ""
            if is_answered:
                outcome = (
                    outcome_pool[i % len(outcome_pool)]
                    if kind == "representation"
                    else rng.choice(["maintained", "curfew_amended", "withdrawn"])
                )
            rows.append(
                Challenge(
                    person=condition.person,
                    condition=condition,
                    kind=kind,
                    received_on=received,
                    from_party=rng.choice(
                        ["Duncan Lewis Solicitors", "Wilsons Solicitors", "The person"]
                    ),
                    summary={
                        "representation": "Asks for the curfew to be lifted to allow work",
                        "pre_action": "Proposed claim: EM is disproportionate",
                        "judicial_review": "Claim for judicial review of the EM condition",
                    }[kind],
                    is_complaint=kind == "representation" and rng.random() < 0.08,
                    due_at=due,
                    deadline_basis={
                        "pre_action": "14 days (Pre-Action Protocol)",
                        "judicial_review": "The court's deadline",
                    }.get(kind, "5 working days (general standard)"),
                    outcome=outcome,
                    outcome_reasons="Considered on the evidence" if outcome else "",
                    responded_at=due - timedelta(days=1) if outcome else None,
                    recorded_at=received_at,
                )
            )
    Challenge.objects.bulk_create(rows)
    rule_for = {
        "representation": "general_enquiry",
        "pre_action": rules.DEADLINE_PRE_ACTION,
        "judicial_review": rules.DEADLINE_AT_START,
    }
    tasks = [
        _deadline(
            Task(
                task_type={
                    "representation": rules.TASK_REPRESENTATIONS,
                    "pre_action": rules.TASK_PRE_ACTION,
                    "judicial_review": rules.TASK_JUDICIAL_REVIEW,
                }[c.kind],
                queue=queues[rules.QUEUE_REVIEWS],
                person=c.person,
                subject_type="monitoring.challenge",
                subject_id=str(c.pk),
                title=f"{c.get_kind_display()}: {c.person.full_name}",
                created_at=datetime.combine(c.received_on, time(9), tzinfo=LONDON),
                priority=0,
                priority_reason="Standard priority",
                dedupe_key=f"em-challenge-{c.pk}",
            ),
            rule_for[c.kind],
            c.due_at
            if c.kind == "judicial_review"
            else datetime.combine(c.received_on, time(9), tzinfo=LONDON),
        )
        for c in rows
        if not c.outcome
    ]
    Task.objects.bulk_create(tasks)
    counts["em_challenges"] = len(rows)


def _trail(*, active, anchor, rng, scale, counts) -> None:
    from waymark.accounts.models import User

    requester = (
        User.objects.filter(username="em-caseworker").first()
        or User.objects.filter(is_machine=False).first()
    )
    approver = User.objects.filter(username="line-manager").first() or requester
    if requester is None:
        return
    kinds = [k for k, v in TRAIL_REQUESTERS.items() for _ in range(_scaled(v, scale))]
    outcomes = [k for k, v in TRAIL_OUTCOMES.items() for _ in range(_scaled(v, scale))]
    rng.shuffle(outcomes)
    rows = []
    for i, kind in enumerate(kinds):
        condition = rng.choice(active)
        requested = anchor - timedelta(days=rng.randint(5, 175))
        outcome = outcomes[i % len(outcomes)]
        days = rng.randint(45, 120) if outcome == "rejected_too_broad" else rng.randint(1, 21)
        provided = outcome in ("provided", "partial")
        rows.append(
            TrailDataRequest(
                person=condition.person,
                requester_kind=kind,
                requester_name={
                    "police": "Metropolitan Police",
                    "probation": "Probation Service London",
                    "home_office": "Immigration Enforcement",
                }[kind],
                request_type=rng.choice(["trail", "attendance"]),
                period_start=requested - timedelta(days=days),
                period_end=requested - timedelta(hours=1),
                lawful_ground=rng.choice(
                    ["breach_of_bail", "absconding", "allegations", "article_8", "sar_or_legal"]
                ),
                justification="Investigation of an alleged breach",
                too_broad=days > rules.trail_max_period().days,
                status="closed",
                outcome=outcome,
                outcome_reasons="" if provided else "See the request",
                requested_by=requester,
                requested_at=requested,
                approved_by=approver if provided else None,
                approved_at=requested + timedelta(days=1) if provided else None,
                returned_data=[{"at": requested.isoformat(), "lat": 51.5, "lon": -0.12}]
                if provided
                else None,
                returned_at=requested + timedelta(days=3) if provided else None,
                retention_until=requested + timedelta(days=3) + rules.trail_retention()
                if provided
                else None,
            )
        )
    TrailDataRequest.objects.bulk_create(rows)
    counts["em_trail_requests"] = len(rows)


def _exemptions(*, anchor, rng, scale, counts) -> None:
    from waymark.accounts.models import User

    decider = (
        User.objects.filter(username="line-manager").first()
        or User.objects.filter(is_machine=False).first()
    )
    if decider is None:
        return
    candidates = list(
        BailGrant.objects.filter(em_conditions__isnull=True)
        .exclude(conditions__icontains="electronic monitoring")
        .values_list("person_id", flat=True)[: _scaled(40, scale)]
    )
    rows = [
        Exemption(
            person_id=pk,
            ground="impractical" if i % 10 < 7 else "convention_rights",
            reasons=(
                "Serious medical condition: a fitted tag cannot be worn"
                if i % 10 < 7
                else "Article 8: disproportionate given the family's circumstances"
            ),
            evidence="GP letter and consultant's report"
            if i % 10 < 7
            else "Representations with evidence",
            decided_by=decider,
            decided_on=(anchor - timedelta(days=rng.randint(5, 170))).date(),
            recorded_at=anchor,
        )
        for i, pk in enumerate(candidates)
    ]
    Exemption.objects.bulk_create(rows)
    counts["em_exemptions"] = len(rows)
