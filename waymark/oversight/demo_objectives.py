"""Objectives' demo data (issue 20 item 2): a performance year of team and personal objectives,
linked to the service priorities, with a red/amber/green history month by month. Objectives whose
measure the owner reports have a year of monthly updates (each recording that month's actual
value and RAG); objectives measured by a registered figure are measured now, from the figure
(their history accrues as the daily sweep runs: a past month's figure is not invented). Everything
goes through ``services.objectives``, so it is audited. Runs after the QA demo (order in
registrations.py), reading the teams and people every module's demo made."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from waymark.core import clock

# (team slugs, first found used; priority key; title; metric key; measure label; target;
#  higher is better; starting value, monthly drift, spread) -- a metric objective has no history.
TEAM_PLAN: list[tuple[tuple[str, ...], str, str, str, str, float, bool, float, float, float]] = [
    (
        ("em-hub",),
        "em-breach-action",
        "No actionable breach waits for action",
        "monitoring.breaches_to_act_on",
        "",
        0,
        False,
        0,
        0,
        0,
    ),
    (
        ("em-hub",),
        "em-breach-action",
        "Breaches actioned within 2 working days",
        "",
        "Breaches actioned within 2 working days (%)",
        95,
        True,
        82,
        1.2,
        3,
    ),
    (
        ("em-hub",),
        "em-reviews",
        "EM reviews decided by their due date",
        "",
        "EM reviews decided on time (%)",
        90,
        True,
        78,
        1.0,
        4,
    ),
    (
        ("competent-authority",),
        "nrm-rg-5-days",
        "RG decisions within 5 working days",
        "",
        "RG decisions within 5 working days (%)",
        90,
        True,
        70,
        2.0,
        5,
    ),
    (
        ("competent-authority",),
        "nrm-rg-5-days",
        "No referral left stuck",
        "nrm.referrals_stuck",
        "",
        0,
        False,
        0,
        0,
        0,
    ),
    (
        ("criminal-casework-croydon", "criminal-casework-leeds"),
        "work-on-time",
        "No overdue tasks in the team's queues",
        "work.tasks_overdue",
        "",
        0,
        False,
        0,
        0,
        0,
    ),
    (
        ("criminal-casework-croydon",),
        "case-preparation",
        "Case preparation finished within 8 weeks",
        "",
        "Cases prepared within 8 weeks (%)",
        85,
        True,
        74,
        0.8,
        4,
    ),
    (
        ("criminal-casework-liverpool",),
        "further-submissions",
        "Further submissions decided within 5 working days",
        "",
        "Further submissions decided within 5 working days (%)",
        90,
        True,
        86,
        0.3,
        4,
    ),
]
PERSON_TEAMS = ("em-hub", "competent-authority", "criminal-casework-croydon")
PEOPLE_PER_TEAM = 3


def _months(today: date, count: int = 12) -> list[date]:
    first = today.replace(day=1)
    out = [first]
    while len(out) < count:
        out.append((out[-1] - timedelta(days=1)).replace(day=1))
    return list(reversed(out))


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def objectives_demo_load(
    *,
    anchor: datetime,
    scale: float = 1.0,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    from waymark.accounts.models import Team, User
    from waymark.oversight.models import Objective, ObjectiveMeasurement, ServicePriority
    from waymark.oversight.services import objectives as services

    rng = random.Random(seed)
    with clock.frozen(anchor):
        services.priorities_seed()
        if Objective.objects.exists():
            return {"objectives": Objective.objects.count()}
        analyst = User.objects.filter(username="performance-analyst", is_active=True).first()
        if analyst is None:
            return {"objectives": 0}
        today = clock.today()
        months = _months(today)
        start = months[0]
        end = (start.replace(year=start.year + 1)) - timedelta(days=1)
        priorities = {p.key: p for p in ServicePriority.objects.all()}
        teams = {t.slug: t for t in Team.objects.all()}

        def manager_of(team):
            return (
                User.objects.filter(teams=team, groups__name="line_manager", is_active=True)
                .order_by("pk")
                .first()
                or User.objects.filter(username="line-manager", is_active=True).first()
                or analyst
            )

        def history(objective, owner, base, drift, spread):
            for i, month in enumerate(months):
                value = max(0.0, min(100.0, base + drift * i + rng.gauss(0, spread)))
                day = min(_month_end(month), today)
                with clock.frozen(datetime.combine(day, time(16, 0), tzinfo=clock.LONDON)):
                    services.objective_update_post(
                        actor=owner,
                        objective=objective,
                        text=f"{month:%B %Y}: {value:.0f}% against a target of "
                        f"{objective.target:g}%.",
                        actual=round(value, 1),
                    )

        made = 0
        for slugs, key, title, metric_key, label, target, higher, base, drift, spread in TEAM_PLAN:
            team = next((teams[s] for s in slugs if s in teams), None)
            if team is None or key not in priorities:
                continue
            owner = manager_of(team)
            objective = services.objective_create(
                actor=analyst,
                priority=priorities[key],
                title=title,
                team=team,
                person=None,
                owner=owner,
                period_start=start,
                period_end=end,
                metric_key=metric_key,
                measure_label=label,
                target=target,
                higher_is_better=higher,
            )
            made += 1
            if metric_key:
                services.objective_measure(actor=None, objective=objective)
            else:
                history(objective, owner, base, drift, spread)
        quality = priorities.get("quality")
        for slug in PERSON_TEAMS:
            team = teams.get(slug)
            if team is None or quality is None:
                continue
            manager = manager_of(team)
            people = (
                User.objects.filter(teams=team, is_active=True, is_machine=False)
                .exclude(pk=manager.pk)
                .exclude(groups__name="line_manager")
                .order_by("username")[:PEOPLE_PER_TEAM]
            )
            for person in people:
                objective = services.objective_create(
                    actor=analyst,
                    priority=quality,
                    title=f"Sampled work of {person.display_name} rated green",
                    team=team,
                    person=person,
                    owner=person,
                    period_start=start,
                    period_end=end,
                    metric_key="",
                    measure_label="Sampled work rated green (%)",
                    target=90,
                    higher_is_better=True,
                )
                made += 1
                history(objective, person, rng.uniform(70, 92), rng.uniform(-0.5, 1.5), 5)
        if progress:
            progress(f"objectives: {made}")
        return {
            "objectives": made,
            "measurements": ObjectiveMeasurement.objects.count(),
        }
