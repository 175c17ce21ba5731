"""Criminal-casework demo data at the seeds' volumes (001, 004; figures.md), built on the people the
platform's demo generator put in criminal casework. Written in bulk, deterministic for a seed.

At x1: a case for every owned person (Figure 1's team shares), 5,884 of them non-detained (5,180
reporting, 704 absconders, 001 §7.20); eight weeks of reporting events with 700-750 no-shows a week
(001 §7.26) and the next four weeks scheduled; the open non-compliance and its checklist for everyone
whose last event was missed; Figure 9's absconder referrals and locations over nine years; a year of
removals (the last full financial year) with Figure 6's 2016/17 volumes and proportions (9,288
planned, 6,182 removed, 3,106 failed), two Jamaica charters as Figure 7 (144 → 42, 163 → 32) with
Figure 8's failure reasons; barriers, ETD applications, reviews, case preparation, further
submissions, RED.0004 notices, detention gatekeeping, voluntary-return offers and reoffending.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Max

from waymark.accounts.models import Team, User
from waymark.casework import rules
from waymark.casework.models import (
    AbsconderDeclaration,
    Barrier,
    Case,
    CasePreparation,
    CaseReview,
    Charter,
    Commission,
    ContactStep,
    DetentionRequest,
    EtdApplication,
    FurtherSubmission,
    NonCompliance,
    Outcome,
    RedNotice,
    Referral,
    RemovalDirection,
    Reoffence,
    ReportingEvent,
    ReportingRestriction,
    TraceReferral,
    VoluntaryReturnOffer,
)
from waymark.casework.services.reporting import event_history_summary
from waymark.core.clock import LONDON
from waymark.people import models as pm
from waymark.work.models import Queue, Task
from waymark.work.rules import deadline_compute

# 001 §7.20: non-detained stock 5,884 = 5,180 reporting + 704 absconders.
NON_DETAINED_AT_X1 = 5_884
REPORTING_AT_X1 = 5_180
ABSCONDERS_AT_X1 = 704
# 001 §7.26: 700-750 missed events a week. A drifting minority miss most events; the rest rarely.
DRIFTING_SHARE = 0.10
DRIFTING_MISS = 0.80
STEADY_MISS = 0.075
EXCUSED_SHARE = 0.015
BLANK_SHARE = 0.012  # 001 §7.21: outcomes left blank
HISTORY_WEEKS = 8
# 001 Figure 9 (2009 to March 2017), laid over the nine years ending with the anchor's year.
FIGURE_9 = [
    (143, 166),
    (351, 291),
    (254, 186),
    (194, 170),
    (192, 185),
    (169, 174),
    (250, 295),
    (313, 300),
    (72, 57),
]
# 001 Figure 6, 2016/17: the demo's last full financial year.
FIGURE_6_YEAR = {"planned": 9_288, "removed": 6_182, "failed": 3_106}
# 001 Figures 7 and 8: two Jamaica charters and the most common failure reasons.
CHARTERS = [("JAM-SEP", 9, 144, 42), ("JAM-MAR", 3, 163, 32)]
FIGURE_8 = {
    "fresh_asylum_claim": 55,
    "judicial_review": 35,
    "further_representations": 26,
    "not_encountered": 20,
    "no_visit_resources": 13,
}
OTHER_FAILURES = {"medical": 3, "disruptive": 2, "documentation": 4, "other": 2}
ROUTE_WEIGHTS = [
    ("deportation", 70),
    ("administrative_removal", 8),
    ("voluntary_departure", 6),
    ("frs", 9),
    ("ers", 6),
    ("ters", 1),
]
BARRIER_WEIGHTS = [
    ("asylum_claim", 10),
    ("further_submissions", 14),
    ("appeal", 22),
    ("judicial_review", 6),
    ("no_travel_document", 30),
    ("medical", 6),
    ("modern_slavery", 5),
    ("other", 7),
]


def _weighted(rng: random.Random, pairs):
    total = sum(w for _k, w in pairs)
    roll = rng.random() * total
    for key, weight in pairs:
        roll -= weight
        if roll < 0:
            return key
    return pairs[-1][0]


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def _spread(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split ``total`` over ``weights`` in proportion, exactly."""
    scale = sum(weights.values())
    shares = {k: total * w // scale for k, w in weights.items()}
    for k in sorted(weights, key=lambda k: -weights[k])[: total - sum(shares.values())]:
        shares[k] += 1
    return shares


def casework_demo_load(
    *,
    anchor: datetime,
    scale: float = 1.0,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    rng = random.Random(seed * 11 + 5)
    counts: dict[str, int] = defaultdict(int)
    today = anchor.astimezone(LONDON).date()
    teams = {t.slug: t for t in Team.objects.all()}
    casework_teams = [
        s
        for s in (
            "criminal-casework-croydon",
            "criminal-casework-liverpool",
            "criminal-casework-leeds",
        )
        if s in teams
    ]
    owned = list(
        pm.Person.objects.filter(owning_team__slug__in=casework_teams, casework_case__isnull=True)
        .values_list(
            "pk",
            "owning_team__slug",
            "case_owner_id",
            "mappa_level",
            "harm_level",
            "no_fixed_abode",
            "release_date",
        )
        .order_by("pk")
    )
    if not owned:
        return dict(counts)
    longest = dict(
        pm.Conviction.objects.filter(custodial=True, person_id__in=[p[0] for p in owned])
        .values_list("person_id")
        .annotate(m=Max("sentence_length_days"))
        .values_list("person_id", "m")
    )
    nationality = dict(
        pm.PersonNationality.objects.filter(person_id__in=[p[0] for p in owned]).values_list(
            "person_id", "country"
        )
    )
    staff = defaultdict(list)
    for user_id, slug in User.objects.filter(
        teams__slug__in=casework_teams, is_machine=False
    ).values_list("pk", "teams__slug"):
        staff[slug].append(user_id)
    with transaction.atomic():
        cases = _cases(
            owned=owned,
            longest=longest,
            anchor=anchor,
            today=today,
            rng=rng,
            scale=scale,
            counts=counts,
        )
        _say(
            progress,
            f"Casework: {counts['cases']:,} cases, {counts['non_detained']:,} non-detained",
        )
        _barriers(
            cases=cases,
            nationality=nationality,
            staff=staff,
            today=today,
            anchor=anchor,
            rng=rng,
            counts=counts,
        )
        _reporting(
            cases=cases, teams=teams, today=today, anchor=anchor, rng=rng, seed=seed, counts=counts
        )
        _say(
            progress,
            f"Casework: {counts['events']:,} reporting events, {counts['no_shows']:,} no-shows",
        )
        _absconders(cases=cases, today=today, rng=rng, scale=scale, counts=counts)
        _progression(cases=cases, staff=staff, today=today, anchor=anchor, rng=rng, counts=counts)
        _removals(
            cases=cases,
            nationality=nationality,
            teams=teams,
            today=today,
            anchor=anchor,
            rng=rng,
            scale=scale,
            counts=counts,
        )
        _say(
            progress,
            f"Casework: {counts['removal_directions']:,} removal directions, "
            f"{counts['charters']} charters",
        )
        _referrals(today=today, anchor=anchor, rng=rng, counts=counts)
    return {f"casework_{k}": v for k, v in counts.items()}


def _say(progress, message: str) -> None:
    if progress:
        progress(message)


class DemoCase:
    __slots__ = (
        "absconder",
        "band",
        "case",
        "detained",
        "nfa",
        "owner",
        "person_id",
        "pk",
        "release",
        "reporting",
        "team",
    )

    def __init__(self, **kw):
        for key, value in kw.items():
            setattr(self, key, value)


def _cases(*, owned, longest, anchor, today, rng, scale, counts) -> list[DemoCase]:
    non_detained_target = round(NON_DETAINED_AT_X1 * scale)
    # Liverpool and Leeds own non-detained cases (001 §6.1); Croydon's share makes up the stock.
    outside_croydon = [p for p in owned if p[1] != "criminal-casework-croydon"]
    croydon = [p for p in owned if p[1] == "criminal-casework-croydon"]
    croydon_free = max(0, non_detained_target - len(outside_croydon))
    free_ids = {p[0] for p in rng.sample(croydon, min(croydon_free, len(croydon)))}
    rows, demo = [], []
    for pk, team, owner, mappa, harm, nfa, release in owned:
        detained = team == "criminal-casework-croydon" and pk not in free_ids
        band, reason = rules.band_for(
            mappa_level=mappa,
            formerly_mappa=False,
            harm_level=harm,
            longest_sentence_days=longest.get(pk),
            removable=rng.random() > 0.12,
        )
        rows.append(
            Case(
                person_id=pk,
                computed_band=band,
                computed_reason=reason,
                detained=detained,
                opened_at=anchor - timedelta(days=rng.randint(30, 900)),
                updated_at=anchor,
            )
        )
        demo.append(
            DemoCase(
                pk=None,
                person_id=pk,
                team=team,
                owner=owner,
                band=band,
                nfa=nfa,
                detained=detained,
                reporting=False,
                absconder=False,
                release=release,
                case=None,
            )
        )
    Case.objects.bulk_create(rows, batch_size=2000)
    by_person = dict(
        Case.objects.filter(person_id__in=[d.person_id for d in demo]).values_list(
            "person_id", "pk"
        )
    )
    for d in demo:
        d.pk = by_person[d.person_id]
    free = [d for d in demo if not d.detained]
    rng.shuffle(free)
    n_abs = round(len(free) * ABSCONDERS_AT_X1 / NON_DETAINED_AT_X1)
    for i, d in enumerate(free):
        d.absconder, d.reporting = i < n_abs, i >= n_abs
    # 001 §6.24: some released more than 12 months ago still have no deportation decision.
    long_ago = today - relativedelta(months=rules.DECISION_OVERDUE_MONTHS)
    overdue = [
        d.person_id for d in free if d.release and d.release < long_ago and rng.random() < 0.06
    ]
    pm.Person.objects.filter(pk__in=overdue).update(
        deportation_decision_date=None, deportation_order_date=None
    )
    counts["decision_overdue"] = len(overdue)
    counts["cases"], counts["non_detained"] = len(demo), len(free)
    counts["reporting"], counts["absconders"] = len(free) - n_abs, n_abs
    return demo


def _centre_for(team: str) -> str:
    return (
        "reporting-centre-croydon"
        if team == "criminal-casework-croydon"
        else "reporting-centre-liverpool"
    )


def _reporting(*, cases, teams, today, anchor, rng, seed, counts) -> None:
    """Restrictions, eight weeks of outcomes, the next four weeks scheduled, and each person's run.
    Outcomes are recorded as the centre records them (``_outcome_recorded``) and each goes on the
    person's timeline as the live service puts it there (``_reporting_timeline``)."""
    history_start = today - timedelta(weeks=HISTORY_WEEKS)
    horizon = today + timedelta(days=rules.event_horizon_days())
    restrictions, plans = [], []
    for d in cases:
        if d.detained:
            continue
        roll = rng.random()
        frequency, reason = (
            (7, "")
            if roll < 0.9
            else (14, "history_of_compliance")
            if roll < 0.98
            else (28, "low_harm")
        )
        minutes, w_reason = (
            (60, "") if rng.random() < 0.95 else (120, "Travels a long way by public transport")
        )
        starts = history_start - timedelta(days=rng.randint(0, 300))
        ends = None
        if d.absconder:  # reporting ended when they absconded, before the eight weeks shown
            ends = history_start - timedelta(days=rng.randint(1, 60))
            starts = ends - timedelta(days=rng.randint(60, 400))
        centre = teams[_centre_for(d.team)]
        restrictions.append(
            ReportingRestriction(
                person_id=d.person_id,
                centre=centre,
                frequency_days=frequency,
                frequency_reason=reason,
                window_start=time(rng.choice([9, 10, 11, 13, 14, 15]), rng.choice([0, 30])),
                window_minutes=minutes,
                window_reason=w_reason,
                detain_on_reporting=False,
                starts_on=starts,
                ends_on=ends,
                set_at=_at(starts),
                changed_at=None,
            )
        )
        plans.append(d)
    ReportingRestriction.objects.bulk_create(restrictions, batch_size=2000)
    counts["restrictions"] = len(restrictions)
    events, case_updates, open_runs = [], [], []
    # A generator of its own for the times of day, so the outcomes drawn above stay as they were.
    times = random.Random(seed * 13 + 7)
    officers = defaultdict(list)
    for user_id, centre_id in User.objects.filter(
        teams__slug__startswith="reporting-centre-", is_machine=False
    ).values_list("pk", "teams__pk"):
        officers[centre_id].append(user_id)
    reporters = [d.person_id for d in plans if not d.absconder]
    drifters = set(rng.sample(reporters, round(len(reporters) * DRIFTING_SHARE)))
    for d, r in zip(plans, restrictions, strict=True):
        drifting = d.absconder or d.person_id in drifters
        run, last_attended, first_missed = 0, None, None
        for day in rules.event_days(
            starts_on=r.starts_on,
            ends_on=r.ends_on,
            frequency_days=r.frequency_days,
            first=history_start,
            last=horizon,
        ):
            event = ReportingEvent(
                person_id=d.person_id,
                restriction=r,
                centre_id=r.centre_id,
                due_on=day,
                window_start=r.window_start,
                window_minutes=r.window_minutes,
            )
            if event.window_closes <= anchor:  # the window is over: the centre knows
                roll = rng.random()
                if not d.absconder and day >= today - timedelta(days=14) and roll < BLANK_SHARE:
                    event.chased_at = anchor if day < today else None
                elif roll < (1.0 if d.absconder else DRIFTING_MISS if drifting else STEADY_MISS):
                    event.outcome = "no_show"
                elif roll < (DRIFTING_MISS if drifting else STEADY_MISS) + EXCUSED_SHARE:
                    event.outcome, event.outcome_reason = (
                        "excused",
                        rng.choice(["Hospital appointment", "Illness", "Child care emergency"]),
                    )
                else:
                    event.outcome = "attended"
                if event.outcome:
                    _outcome_recorded(event, anchor=anchor, rng=times, officers=officers)
                if event.outcome == "no_show":
                    counts["no_shows"] += 1
                    run += 1
                    first_missed = first_missed or day
                elif event.outcome == "attended":
                    run, last_attended, first_missed = 0, day, None
            events.append(event)
        d.case = (run, last_attended, first_missed)
        if run and not d.absconder:
            open_runs.append(d)
    ReportingEvent.objects.bulk_create(events, batch_size=5000)
    counts["events"] = len(events)
    counts["reporting_timeline"] = _reporting_timeline(events, teams)
    for d in plans:
        run, last_attended, first_missed = d.case
        case_updates.append(
            Case(
                pk=d.pk,
                consecutive_missed=run,
                last_attended_on=last_attended,
                out_of_contact_since=first_missed,
            )
        )
    Case.objects.bulk_update(
        case_updates,
        ["consecutive_missed", "last_attended_on", "out_of_contact_since"],
        batch_size=2000,
    )
    _non_compliance(open_runs=open_runs, today=today, anchor=anchor, rng=rng, counts=counts)


def _outcome_recorded(event: ReportingEvent, *, anchor, rng, officers) -> None:
    """When and by whom the centre recorded the outcome: attendance (and an excusal) while the
    person is at the counter, inside the window; a no-show once the window has closed."""
    if event.outcome == Outcome.NO_SHOW:
        at = min(anchor, event.window_closes + timedelta(minutes=rng.randint(5, 120)))
    else:
        at = event.window_opens + timedelta(minutes=rng.randint(0, event.window_minutes))
    event.outcome_recorded_at = at
    staff = officers.get(event.centre_id)
    event.outcome_recorded_by_id = rng.choice(staff) if staff else None


def _reporting_timeline(events: list[ReportingEvent], teams) -> int:
    """Each recorded outcome on the person's timeline, as ``services.event_outcome_record`` puts
    it there: dated ``event.occurred_at``, the time the casework tab shows."""
    centres = {t.pk: t.name for t in teams.values()}
    entries = [
        pm.TimelineEvent(
            person_id=e.person_id,
            occurred_at=e.occurred_at,
            recorded_at=e.outcome_recorded_at,
            module="casework",
            event_type=f"reporting.{e.outcome}",
            summary=event_history_summary(e, centres[e.centre_id]),
            detail={"outcome": e.outcome, "reason": e.outcome_reason, "rescheduled_to": None},
            actor_id=e.outcome_recorded_by_id,
            related_type=ReportingEvent._meta.label_lower,
            related_id=str(e.pk),
        )
        for e in events
        if e.outcome
    ]
    pm.TimelineEvent.objects.bulk_create(entries, batch_size=5000)
    return len(entries)


def _non_compliance(*, open_runs, today, anchor, rng, counts) -> None:
    """The open non-compliance and checklist for each person whose last event was missed, and the
    owner's task for it."""
    first_events = dict(
        ReportingEvent.objects.filter(
            person_id__in=[d.person_id for d in open_runs], outcome="no_show"
        )
        .values_list("person_id")
        .annotate(m=Max("due_on"))
        .values_list("person_id", "m")
    )
    event_ids = {
        (e.person_id, e.due_on): e.pk
        for e in ReportingEvent.objects.filter(
            person_id__in=[d.person_id for d in open_runs], outcome="no_show"
        )
    }
    queues = {
        q.team.slug: q
        for q in Queue.objects.filter(slug__endswith="-casework").select_related("team")
    }
    ncs, tasks, meta = [], [], []
    for d in open_runs:
        _run, _last, first_missed = d.case
        event_id = event_ids.get((d.person_id, first_missed)) or event_ids.get(
            (d.person_id, first_events[d.person_id])
        )
        opened = _at(first_missed, 12)
        ncs.append(
            NonCompliance(person_id=d.person_id, event_id=event_id, band=d.band, opened_at=opened)
        )
        meta.append((d, opened))
    NonCompliance.objects.bulk_create(ncs, batch_size=2000)
    steps = []
    for nc, (d, opened) in zip(ncs, meta, strict=True):
        for step, due in rules.contact_step_deadlines(d.band, opened).items():
            done = (due < anchor and rng.random() < 0.7) or (due >= anchor and rng.random() < 0.3)
            steps.append(
                ContactStep(
                    non_compliance=nc,
                    step=step,
                    due_at=due,
                    done_at=min(anchor, due - timedelta(hours=rng.randint(1, 20)))
                    if done
                    else None,
                    result="No answer; message left" if done else "",
                    done_by_id=d.owner if done else None,
                )
            )
        queue = queues.get(d.team)
        if queue is not None:
            task = Task(
                task_type=f"{rules.TASK_MISSED_EVENT}_band_{d.band}",
                queue=queue,
                person_id=d.person_id,
                title=f"Missed reporting ({d.case[0]} in a row): band {d.band}",
                assignee_id=d.owner,
                allocated_at=opened if d.owner else None,
                created_at=opened,
                priority=50 - d.band * 5,
                priority_reason=f"Band {d.band} missed reporting",
                dedupe_key=f"casework.missed:{nc.pk}:{nc.event_id}",
            )
            task.deadline_rule = rules.contact_deadline_rule(d.band)
            task.due_at, task.deadline_inputs = deadline_compute(
                task.deadline_rule, opened, queue.team.nation
            )
            tasks.append(task)
    ContactStep.objects.bulk_create(steps, batch_size=5000)
    Task.objects.bulk_create(tasks, batch_size=2000)
    counts["non_compliance_open"], counts["missed_tasks"] = len(ncs), len(tasks)


def _absconders(*, cases, today, rng, scale, counts) -> None:
    """Current absconders (declared with every step recorded) and Figure 9's referrals and locations."""
    absconders = [d for d in cases if d.absconder]
    declarations, updates = [], []
    for d in absconders:
        declared = today - timedelta(days=rng.randint(7, 700))
        steps = {
            k: {
                "done_at": _at(declared - timedelta(days=10 - i * 3)).isoformat(),
                "result": "No contact",
            }
            for i, (k, _l) in enumerate(rules.CONTACT_STEPS)
        }
        declarations.append(
            AbsconderDeclaration(
                person_id=d.person_id,
                declared_at=_at(declared, 15),
                declared_by_id=d.owner or _any_user(),
                steps_taken=steps,
                consecutive_missed=rng.randint(3, 19),
                out_of_contact_days=rng.randint(14, 60),
                reasons="Every mandatory step failed; whereabouts unknown",
            )
        )
        updates.append(
            Case(
                pk=d.pk,
                absconder_since=declared,
                out_of_contact_since=declared - timedelta(days=21),
                consecutive_missed=rng.randint(3, 19),
            )
        )
    AbsconderDeclaration.objects.bulk_create(declarations, batch_size=2000)
    Case.objects.bulk_update(
        updates, ["absconder_since", "out_of_contact_since", "consecutive_missed"], batch_size=2000
    )
    # Figure 9: referred and located a year, over the nine years ending with the anchor's year.
    pool = [d for d in cases if not d.detained]
    first_year = today.year - len(FIGURE_9) + 1
    referrals, unlocated = [], []
    # Figure 9 locates more than it refers in some years (people referred before 2009): enough
    # earlier referrals, dated the year before, that every year's "located" can be met.
    deficit, running = 0, 0
    for referred, located in FIGURE_9:
        running += round(referred * scale) - round(located * scale)
        deficit = max(deficit, -running)
    for _ in range(deficit):
        d = rng.choice(pool)
        row = TraceReferral(
            person_id=d.person_id,
            referred_at=_at(date(first_year - 1, rng.randint(1, 12), 1), 11),
            priority=20,
            priority_reason="Referred before the period shown",
        )
        referrals.append(row)
        unlocated.append(row)
    for offset, (referred, located) in enumerate(FIGURE_9):
        year = first_year + offset
        last_day = (
            min(date(year, 12, 31), today)
            if offset < len(FIGURE_9) - 1
            else min(date(year, 3, 31), today)
        )
        span = max(1, (last_day - date(year, 1, 1)).days)
        for _ in range(round(referred * scale)):
            d = rng.choice(pool)
            at = _at(date(year, 1, 1) + timedelta(days=rng.randrange(span)), 11)
            score, why = rules.trace_priority(harm_level="medium", band=d.band, removable=True)
            row = TraceReferral(
                person_id=d.person_id, referred_at=at, priority=score, priority_reason=why
            )
            referrals.append(row)
            unlocated.append(row)
        unlocated.sort(key=lambda r: r.referred_at)
        for _ in range(min(round(located * scale), len(unlocated))):
            row = unlocated.pop(0)
            start = min(max(row.referred_at.date(), date(year, 1, 1)), last_day)
            row.outcome = "located_detained" if rng.random() < 0.45 else "located_reporting"
            row.outcome_at = _at(
                start + timedelta(days=rng.randrange(max(1, (last_day - start).days + 1))), 16
            )
    current = {d.person_id for d in absconders}
    for row in unlocated:
        if row.person_id not in current and rng.random() < 0.5:
            row.outcome, row.outcome_at = "not_located", row.referred_at + timedelta(days=180)
    TraceReferral.objects.bulk_create(referrals, batch_size=2000)
    counts["trace_referrals"] = len(referrals)
    counts["declarations"] = len(declarations)


def _working_days(day: date, n: int) -> date:
    from waymark.core.calendars import add_working_days

    return add_working_days(_at(day, 9), n, "england-and-wales").astimezone(LONDON).date()


def _any_user() -> int:
    return User.objects.filter(is_machine=False).order_by("pk").values_list("pk", flat=True).first()


def _barriers(*, cases, nationality, staff, today, anchor, rng, counts) -> None:
    rows, etds = [], []
    for d in cases:
        if d.detained or rng.random() > 0.45:
            continue
        barrier_type = _weighted(rng, BARRIER_WEIGHTS)
        started = today - timedelta(days=int(rng.expovariate(1 / 160)) + 1)
        cleared = started + timedelta(days=rng.randint(10, 200)) if rng.random() < 0.35 else None
        if cleared and cleared >= today:
            cleared = None
        owner = d.owner if rng.random() > 0.05 else None
        rows.append(
            Barrier(
                person_id=d.person_id,
                barrier_type=barrier_type,
                started_on=started,
                owner_id=owner,
                cleared_on=cleared,
                cleared_by_id=owner if cleared else None,
                cleared_note="Cleared" if cleared else "",
                recorded_at=_at(started),
            )
        )
        if barrier_type == "no_travel_document":
            status = _weighted(
                rng,
                [
                    ("not_started", 15),
                    ("interview_requested", 20),
                    ("submitted", 35),
                    ("agreed", 10),
                    ("issued", 8),
                    ("refused", 12),
                ],
            )
            etds.append(
                EtdApplication(
                    person_id=d.person_id,
                    country=nationality.get(d.person_id, "JAM"),
                    status=status,
                    applied_on=None if status == "not_started" else started,
                    updated_on=min(today, started + timedelta(days=rng.randint(0, 90))),
                )
            )
            if rng.random() < 0.3:
                rows.append(
                    Barrier(
                        person_id=d.person_id,
                        barrier_type="appeal",
                        started_on=started,
                        owner_id=d.owner,
                        recorded_at=_at(started),
                    )
                )
    Barrier.objects.bulk_create(rows, batch_size=2000)
    EtdApplication.objects.bulk_create(etds, batch_size=2000)
    counts["barriers"], counts["etd_applications"] = len(rows), len(etds)


def _progression(*, cases, staff, today, anchor, rng, counts) -> None:
    reviews, preps, submissions, notices, requests, offers, reoffences, commissions = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    seniors = list(
        User.objects.filter(grade__in=["HEO", "SEO"], is_machine=False).values_list("pk", flat=True)
    )
    for d in cases:
        due = today + timedelta(days=rng.randint(-7, 91))
        reviews.append(CaseReview(person_id=d.person_id, due_on=due))
        if rng.random() < 0.6:
            reviews.append(
                CaseReview(
                    person_id=d.person_id,
                    due_on=due - relativedelta(months=3),
                    completed_at=_at(
                        due - relativedelta(months=3) - timedelta(days=rng.randint(0, 10))
                    ),
                    completed_by_id=d.owner,
                    summary="Case reviewed; barriers checked",
                    next_action="Chase the travel document",
                )
            )
        if d.detained:
            continue
        worker = d.owner or (staff[d.team][0] if staff[d.team] else None)
        if worker and rng.random() < 0.12:
            started = today - timedelta(days=rng.randint(0, 150))
            taken = int(rng.gauss(52, 14))
            finalised = started + timedelta(days=max(20, taken))
            done = finalised <= today
            preps.append(
                CasePreparation(
                    person_id=d.person_id,
                    caseworker_id=worker,
                    started_on=started,
                    initial_due_on=started + timedelta(weeks=rules.CASE_PREP_INITIAL_WEEKS),
                    initial_done_on=started + timedelta(days=rng.randint(8, 20))
                    if done or rng.random() < 0.5
                    else None,
                    finalise_due_on=started + timedelta(weeks=rules.CASE_PREP_TOTAL_WEEKS),
                    finalised_on=finalised if done else None,
                    senior_id=rng.choice(seniors) if done and seniors else None,
                )
            )
        if rng.random() < 0.05:
            received = today - timedelta(days=rng.randint(0, 60))
            grounds = rng.sample([g for g, _l in rules.GROUNDS], k=rng.choice([1, 1, 2]))
            decided = received + timedelta(days=rng.randint(2, 14)) if rng.random() < 0.8 else None
            submissions.append(
                FurtherSubmission(
                    person_id=d.person_id,
                    received_on=received,
                    grounds=grounds,
                    summary="Further representations",
                    decision_due_on=_working_days(received, rules.FURTHER_SUBMISSIONS_WORKING_DAYS),
                    decided_on=decided if decided and decided <= today else None,
                    decision=rng.choice(["rejected", "rejected", "fresh_claim"])
                    if decided and decided <= today
                    else "",
                )
            )
            if rng.random() < 0.3:
                notices.append(
                    RedNotice(
                        person_id=d.person_id,
                        served_on=received - timedelta(days=90),
                        grounds_considered=grounds[:1],
                        recorded_at=_at(received - timedelta(days=90)),
                    )
                )
        if rng.random() < 0.07 and d.owner:
            requested = anchor - timedelta(days=rng.randint(0, 300))
            decision = _weighted(rng, [("accepted", 62), ("rejected", 33), ("pending", 5)])
            requests.append(
                DetentionRequest(
                    person_id=d.person_id,
                    requested_by_id=d.owner,
                    requested_at=requested,
                    grounds="Non-compliance; removal imminent",
                    decision=decision,
                    rejection_reason=_weighted(
                        rng,
                        [
                            ("no_realistic_prospect", 35),
                            ("vulnerability", 20),
                            ("barrier_outstanding", 25),
                            ("insufficient_evidence", 10),
                            ("alternative_available", 7),
                            ("other", 3),
                        ],
                    )
                    if decision == "rejected"
                    else "",
                    decided_at=requested + timedelta(days=1) if decision != "pending" else None,
                    decision_note="See the gatekeeping record" if decision == "rejected" else "",
                )
            )
        if d.reporting and rng.random() < 0.08:
            outcome = _weighted(
                rng, [("declined", 60), ("considering", 20), ("referred", 14), ("departed", 6)]
            )
            offered = anchor - timedelta(days=rng.randint(0, 300))
            offers.append(
                VoluntaryReturnOffer(
                    person_id=d.person_id,
                    option=_weighted(
                        rng, [("voluntary_departure", 5), ("frs", 3), ("assisted_return", 2)]
                    ),
                    offered_at=offered,
                    context=rng.choice(["reporting", "reporting", "visit"]),
                    outcome=outcome,
                    departed_on=(offered + timedelta(days=30)).date()
                    if outcome == "departed"
                    else None,
                )
            )
        if rng.random() < (0.11 if d.nfa else 0.05):
            reoffences.append(
                Reoffence(
                    person_id=d.person_id,
                    offence=rng.choice(
                        [
                            "Theft",
                            "Possession of a controlled drug",
                            "Assault",
                            "Shoplifting",
                            "Criminal damage",
                        ]
                    ),
                    offence_on=today - timedelta(days=rng.randint(5, 360)),
                    no_fixed_abode_at_time=d.nfa,
                    recorded_at=anchor - timedelta(days=rng.randint(0, 4)),
                )
            )
        if d.reporting and d.owner and rng.random() < 0.02:
            kind = rng.choice([k for k, _l in rules.COMMISSION_KINDS if k != "detain_on_reporting"])
            done = rng.random() < 0.5
            commissions.append(
                Commission(
                    person_id=d.person_id,
                    kind=kind,
                    instructions="Please use the next event for this",
                    requested_by_id=d.owner,
                    requested_at=anchor - timedelta(days=rng.randint(1, 20)),
                    status="done" if done else "requested",
                    result="Done at the event" if done else "",
                    result_recorded_at=anchor - timedelta(hours=rng.randint(1, 20))
                    if done
                    else None,
                )
            )
    for model, rows in [
        (CaseReview, reviews),
        (CasePreparation, preps),
        (FurtherSubmission, submissions),
        (RedNotice, notices),
        (DetentionRequest, requests),
        (VoluntaryReturnOffer, offers),
        (Reoffence, reoffences),
        (Commission, commissions),
    ]:
        model.objects.bulk_create(rows, batch_size=2000)
        counts[model._meta.model_name] = len(rows)
    next_due = {r.person_id: r.due_on for r in reviews if r.completed_at is None}
    Case.objects.bulk_update(
        [Case(pk=d.pk, next_review_due=next_due[d.person_id]) for d in cases],
        ["next_review_due"],
        batch_size=2000,
    )


def _removals(*, cases, nationality, teams, today, anchor, rng, scale, counts) -> None:
    """A year of removals: the last full financial year before the anchor (Figure 6's 2016/17)."""
    fy_start = date(today.year if today.month >= 4 else today.year - 1, 4, 1) - relativedelta(
        years=1
    )
    fy_days = (fy_start + relativedelta(years=1) - fy_start).days
    removed, failed = (round(FIGURE_6_YEAR[k] * scale) for k in ("removed", "failed"))
    directions: list[RemovalDirection] = []
    charters = []
    for ref, month, charter_planned, charter_removed in CHARTERS:
        year = fy_start.year if month >= 4 else fy_start.year + 1
        charter = Charter.objects.create(
            reference=f"{ref}-{year}",
            destination="JAM",
            departs_on=date(year, month, 14),
            created_at=_at(date(year, month, 1)),
        )
        charters.append((charter, round(charter_planned * scale), round(charter_removed * scale)))
    counts["charters"] = len(charters)
    charter_failed = sum(p - r for _c, p, r in charters)
    reasons_pool: list[str] = []
    figure_8_total = round(sum(FIGURE_8.values()) * scale)
    for key, n in _spread(min(figure_8_total, charter_failed), FIGURE_8).items():
        reasons_pool += [key] * n
    for key, n in _spread(charter_failed - len(reasons_pool), OTHER_FAILURES).items():
        reasons_pool += [key] * n
    rng.shuffle(reasons_pool)
    jamaican_open = [d for d in cases if nationality.get(d.person_id) == "JAM"]
    other_open = [d for d in cases if nationality.get(d.person_id) != "JAM"]
    rng.shuffle(jamaican_open)
    rng.shuffle(other_open)
    failure_people = jamaican_open + other_open
    removed_people = _removed_people(
        n=removed, rng=rng, teams=teams, anchor=anchor, jamaican=sum(r for _c, _p, r in charters)
    )
    counts["removed_people"] = len(removed_people)
    reopened: list[tuple[RemovalDirection, str]] = []

    def add(person_id, when, charter=None, status="removed", reason=""):
        direction = RemovalDirection(
            person_id=person_id,
            route="deportation" if charter else _weighted(rng, ROUTE_WEIGHTS),
            planned_for=when,
            charter=charter,
            escorts=rng.choice([0, 2, 2, 3]),
            set_at=_at(when - timedelta(days=rng.randint(10, 40))),
            status=status,
            failure_reason=reason,
            outcome_recorded_at=_at(when, 18),
            flight="" if charter else f"BA{rng.randint(100, 999)}",
        )
        directions.append(direction)
        if status == "failed" and rules.FAILURE_REOPENS.get(reason):
            reopened.append((direction, rules.FAILURE_REOPENS[reason]))

    removed_iter = iter(removed_people)
    fail_iter = iter(failure_people)
    for charter, charter_planned, charter_removed in charters:
        for _ in range(charter_removed):
            add(next(removed_iter), charter.departs_on, charter)
        for _ in range(charter_planned - charter_removed):
            add(
                next(fail_iter).person_id, charter.departs_on, charter, "failed", reasons_pool.pop()
            )
    general_reasons = {
        **{k: v * 5 for k, v in FIGURE_8.items()},
        "medical": 20,
        "disruptive": 12,
        "documentation": 30,
        "other": 15,
    }
    left_failed = failed - charter_failed
    for key, n in _spread(left_failed, general_reasons).items():
        for _ in range(n):
            add(
                next(fail_iter).person_id,
                fy_start + timedelta(days=rng.randrange(fy_days)),
                status="failed",
                reason=key,
            )
    for person_id in removed_iter:
        add(person_id, fy_start + timedelta(days=rng.randrange(fy_days)))
    RemovalDirection.objects.bulk_create(directions, batch_size=2000)
    owners = {c.person_id: c.owner for c in cases}
    Barrier.objects.bulk_create(
        [
            Barrier(
                person_id=d.person_id,
                barrier_type=b,
                started_on=d.planned_for,
                owner_id=owners.get(d.person_id),
                reopened_by_removal=d,
                recorded_at=_at(d.planned_for, 19),
                detail="Re-opened by the failed removal",
            )
            for d, b in reopened
        ],
        batch_size=2000,
    )
    # A few planned removals still to come, with their barriers clear.
    upcoming = [d for d in cases if not d.absconder][-max(1, round(40 * scale)) :]
    RemovalDirection.objects.bulk_create(
        [
            RemovalDirection(
                person_id=d.person_id,
                route=_weighted(rng, ROUTE_WEIGHTS),
                planned_for=today + timedelta(days=rng.randint(1, 30)),
                escorts=2,
                set_at=anchor - timedelta(days=rng.randint(1, 10)),
                flight=f"BA{rng.randint(100, 999)}",
            )
            for d in upcoming
        ]
    )
    counts["removal_directions"] = len(directions) + len(upcoming)
    counts["removed"] = sum(1 for d in directions if d.status == "removed")
    counts["failed"] = sum(1 for d in directions if d.status == "failed")


def _removed_people(*, n: int, rng, teams, anchor, jamaican: int) -> list[int]:
    """People already removed: a closed case each, so they count in Figure 6 but not in the caseload."""
    from waymark.demo import names
    from waymark.demo.generator import _pick_name, _reset_sequences
    from waymark.people.rules import WAYMARK_REFERENCE_FORMAT
    from waymark.people.search import name_keys, normalise_name

    start = (pm.Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    weights = names.nationality_weights()
    people, person_names, nats, cases = [], [], [], []
    croydon = teams.get("criminal-casework-croydon")
    for i in range(n):
        pk = start + i
        country = "JAM" if i < jamaican else _weighted(rng, weights)
        given, family = _pick_name(rng, names.POOL_OF[country], False)
        created = anchor - timedelta(days=rng.randint(400, 1500))
        people.append(
            pm.Person(
                pk=pk,
                reference=WAYMARK_REFERENCE_FORMAT % pk,
                given_names=given,
                family_name=family,
                date_of_birth=date(1970, 1, 1) + timedelta(days=rng.randint(0, 12000)),
                sex="male",
                search_name=normalise_name(f"{given} {family}"),
                created_at=created,
                updated_at=anchor,
                ownership_state="owned",
                owning_team=croydon,
                immigration_status="Removed",
                harm_level="medium",
            )
        )
        person_names.append(
            pm.PersonName(
                person_id=pk,
                name_type="primary",
                given_names=given,
                family_name=family,
                source="Prison referral",
                recorded_at=created,
                **name_keys(given_names=given, family_name=family),
            )
        )
        nats.append(pm.PersonNationality(person_id=pk, country=country, source="Passport"))
        cases.append(
            Case(
                person_id=pk,
                status="removed",
                detained=True,
                computed_band=3,
                computed_reason="Not MAPPA; possibly removable",
                opened_at=created,
                updated_at=anchor,
            )
        )
    pm.Person.objects.bulk_create(people, batch_size=2000)
    pm.PersonName.objects.bulk_create(person_names, batch_size=2000)
    pm.PersonNationality.objects.bulk_create(nats, batch_size=2000)
    Case.objects.bulk_create(cases, batch_size=2000)
    _reset_sequences(pm.Person)
    return [p.pk for p in people]


def _referrals(*, today, anchor, rng, counts) -> None:
    """Referrals awaiting intake checks: people with no owner who meet the criteria."""
    from waymark.casework.services import sentences_of

    rows = []
    for person in (
        pm.Person.objects.filter(ownership_state="unclear", casework_case__isnull=True)
        .prefetch_related("convictions")
        .order_by("pk")[:400]
    ):
        met = rules.referral_criteria(sentences_of(person), harm_level=person.harm_level)
        if met and rng.random() < 0.5:
            referred = anchor - timedelta(days=rng.randint(0, 40))
            rows.append(
                Referral(
                    person=person,
                    referred_at=referred,
                    criteria=[list(c) for c in met],
                    intake_due_on=referred.astimezone(LONDON).date()
                    + timedelta(days=rules.INTAKE_DAYS),
                )
            )
    Referral.objects.bulk_create(rows)
    counts["referrals"] = len(rows)
