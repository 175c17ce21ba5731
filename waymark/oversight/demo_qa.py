"""Quality assurance's demo data (issue 20 item 1): the seeded checklists, a sampling rule per kind
of work the modules register (NRM's 20%-until-half-red dip sample among them, as an adaptive
rule), a year of monthly draws over the modules' demo work, second-line reviews by the assurance
team and first-line reviews by the line manager (of their own team's work), disputes of red
reviews (decided by the assurance team where it did not do the review; the rest wait for a second
assurance officer, the demo having one), and team observations at the cadence their ratings set.
Everything goes through the services, so it is audited."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError

from waymark.core import assurance, clock

# (kind, name, method, rate %, monthly cap, category, extra)
RULES: list[tuple[str, str, str, str, int | None, str, dict]] = [
    ("monitoring.em_review_decision", "EM reviews: 20% a month", "random", "20", 40, "", {}),
    ("monitoring.breach_decision", "Breach decisions: adaptive", "adaptive", "10", None, "", {}),
    ("monitoring.representation_response", "Representations: half", "random", "50", 20, "", {}),
    ("casework.case_note", "Case notes: 5% a month", "random", "5", 30, "", {}),
    (
        "nrm.decision",
        "Positive CG decisions: 20% until no more than half are red (002 rec 6b)",
        "adaptive",
        "10",
        None,
        "cg_positive",
        {"per_person": False, "tightened_percent": "20", "nrm": True},
    ),
    (
        "nrm.decision",
        "NRM decisions: adaptive per decision maker",
        "adaptive",
        "5",
        30,
        "",
        {"per_person": True, "tightened_percent": "20", "reduced_percent": "2"},
    ),
    ("operations.visit_record", "Visit records: the five areas", "random", "25", 30, "", {}),
    ("operations.visit_plan", "Visit plans by new staff", "new_staff", "100", 20, "", {}),
]
REVIEW_SHARE = 0.8  # of drawn items reviewed in the demo
FIRST_LINE_SHARE = 0.3  # of those, by the line manager (the rest by the assurance team)
RATING_WEIGHTS = {"green": 0.68, "amber": 0.22, "red": 0.10}


def _user(username: str):
    from waymark.accounts.models import User

    return User.objects.filter(username=username, is_active=True).first()


def _month_starts(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return list(reversed(months))


def _answers(rng: random.Random, checklist) -> dict[int, dict]:
    ratings = list(RATING_WEIGHTS)
    weights = list(RATING_WEIGHTS.values())
    out = {}
    for q in checklist.questions.all():
        rating = rng.choices(ratings, weights)[0]
        codes = [rng.choice(q.failure_reasons)[0]] if rating != "green" else []
        out[q.pk] = {"rating": rating, "reason_codes": codes, "note": ""}
    return out


def qa_demo_load(
    *,
    anchor: datetime,
    scale: float = 1.0,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    from waymark.accounts.models import Team
    from waymark.oversight import rules
    from waymark.oversight.models import QAReview, SampleDraw, SamplingRule
    from waymark.oversight.selectors import qa as sel
    from waymark.oversight.services import qa as services

    rng = random.Random(seed + 20)
    with clock.frozen(anchor):
        services.checklists_seed(actor=None)
        if SamplingRule.objects.exists():
            return {"oversight_qa_rules": SamplingRule.objects.count()}
        second = _user("assurance")
        first = _user("line-manager")
        if second is None or first is None:
            return {"oversight_qa_rules": 0}
        first_teams = set(first.teams.values_list("pk", flat=True))
        created = []
        for kind, name, method, rate, cap, category, extra in RULES:
            if assurance.work_kind(kind) is None:
                continue
            extra = dict(extra)
            scheme = dict(rules.QA_NRM_DIP_SAMPLE_SCHEME) if extra.pop("nrm", False) else None
            if scheme:
                scheme = {
                    k: v for k, v in scheme.items() if k not in ("normal_rate", "tightened_rate")
                }
                scheme["reduced_rate"] = None
            created.append(
                services.rule_create(
                    actor=second,
                    name=name,
                    kind_key=kind,
                    method=method,
                    rate_percent=rate,
                    monthly_cap=cap,
                    category=category,
                    scheme=scheme,
                    **extra,
                )
            )
        today = clock.today()
        months = _month_starts(today, 12)
    draws = reviews = disputes = 0
    for month in months:
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        when = datetime.combine(end + timedelta(days=2), time(10, 0), tzinfo=clock.LONDON)
        with clock.frozen(min(when, anchor)):
            for rule in created:
                try:
                    draw = services.sample_draw(
                        actor=second,
                        rule=rule,
                        period_start=month,
                        period_end=end,
                        seed=rng.getrandbits(62) or 1,
                    )
                except ValidationError:  # no work of this kind that month
                    continue
                draws += 1
                checklist = sel.current_checklist(rule.kind_key)
                if checklist is None:
                    continue
                for item in draw.items.select_related("worker"):
                    if rng.random() > REVIEW_SHARE:
                        continue
                    line, reviewer = (
                        ("first", first)
                        if rng.random() < FIRST_LINE_SHARE
                        and (item.team_id is None or item.team_id in first_teams)
                        else ("second", second)
                    )
                    if item.worker_id == reviewer.pk:
                        continue
                    answers = _answers(rng, checklist)
                    review = services.review_record(
                        actor=reviewer,
                        item=item,
                        line=line,
                        answers=answers,
                        feedback="Discussed with the officer" if rng.random() < 0.5 else "",
                    )
                    reviews += 1
                    if (
                        review.rating == "red"
                        and item.worker is not None
                        and (disputes == 0 or rng.random() < 0.5)
                    ):
                        dispute = services.dispute_raise(
                            actor=item.worker,
                            review=review,
                            grounds="The guidance in force at the time allowed this.",
                        )
                        disputes += 1
                        # The assurance team decides, never the reviewer: a second-line review's
                        # dispute waits for another assurance officer.
                        if reviewer.pk != second.pk:
                            services.dispute_decide(
                                actor=second,
                                dispute=dispute,
                                outcome="upheld" if rng.random() < 0.4 else "rejected",
                                revised_rating="amber",
                                reasons="Checked against the guidance version in force.",
                            )
        if progress:
            progress(f"oversight QA: {month:%B %Y}")
    # Team observations: the teams that do reviewed work, each at the cadence its rating sets.
    observed = 0
    team_ids = set(
        QAReview.objects.exclude(item__team=None).values_list("item__team_id", flat=True)
    )
    for team in Team.objects.filter(pk__in=team_ids).order_by("name"):
        on = months[0] + timedelta(days=rng.randint(0, 40))
        while on <= today:
            rating = rng.choices(list(RATING_WEIGHTS), list(RATING_WEIGHTS.values()))[0]
            with clock.frozen(min(datetime.combine(on, time(16, 0), tzinfo=clock.LONDON), anchor)):
                obs = services.observation_record(
                    actor=second,
                    team=team,
                    observed_on=on,
                    rating=rating,
                    notes=f"Observed the team's work on {on:%-d %B %Y}.",
                )
            observed += 1
            on = obs.next_due_on + timedelta(days=rng.randint(-7, 7))
    return {
        "oversight_qa_rules": len(created),
        "oversight_qa_draws": SampleDraw.objects.count() if draws else 0,
        "oversight_qa_reviews": reviews,
        "oversight_qa_disputes": disputes,
        "oversight_qa_observations": observed,
    }
