"""Competent-authority demo data: a year of referrals up to the anchor at the IECA's volumes
(``rules.DEMO_REFERRALS_PER_QUARTER`` a quarter, about half of RG and of CG positive), written in
bulk and deterministic for a seed, scale and anchor.

Referrals come from a realistic spread of referring organisations, nationalities (each referral is
about one of the platform demo's people; no new people are made) and exploitation types. Each
decided referral has its served RG decision (within the 5 working-day target for most); a
positive RG is followed, once the 30-day recovery period has passed, by a CG decision. Every
negative decision has its specialist check (agreed; a few served under a manager's urgent service
authority). Some decisions carry a safeguarding level with the adviser's advice. Monthly dip
sample rounds of positive CG decisions are drawn with ``core.sampling`` and rated. Two guidance
editions (one superseded) and two referral form versions are made.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from waymark.accounts.models import Grade, Team, User
from waymark.accounts.rules import DEMO_PASSWORD
from waymark.core import clock, sampling
from waymark.nrm import models as m
from waymark.nrm import rules
from waymark.people import models as pm

AUTHORITY_TEAM = "competent-authority"
REFERRER_MIX = {
    "prison_immigration_team": 0.20,
    "detention_engagement_team": 0.35,
    "enforcement_officer": 0.15,
    "police": 0.12,
    "local_authority": 0.08,
    "ngo": 0.07,
    "other": 0.03,
}
EXPLOITATION_MIX = {
    "forced_labour": 0.38,
    "criminal_exploitation": 0.22,
    "sexual_exploitation": 0.18,
    "domestic_servitude": 0.08,
    "slavery_practices": 0.04,
    "forced_marriage": 0.02,
    "other": 0.03,
    "not_specified": 0.05,
}
COHORT_MIX = {"detained": 0.45, "fno": 0.20, "removal_set": 0.10, "none": 0.25}
FALLBACK_NATIONALITIES = ["ALB", "VNM", "ERI", "SDN", "IND", "NGA", "CHN", "ROU", "GBR", "PAK"]
STAFF = {"nrm_decision_maker": 18, "technical_specialist": 2, "nrm_case_preparation": 3}


def _weighted(rng: random.Random, mix: dict[str, float]) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def _next_pk(model) -> int:
    return (model.objects.aggregate(n=Max("pk"))["n"] or 0) + 1


def _reset_sequences(*models) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=clock.LONDON)


def staff_ensure() -> tuple[Team, dict[str, list[User]]]:
    team, _ = Team.objects.get_or_create(
        slug=AUTHORITY_TEAM,
        defaults={
            "name": "Competent authority (modern slavery)",
            "unit": "Immigration Enforcement Competent Authority",
        },
    )
    password = make_password(DEMO_PASSWORD)
    staff: dict[str, list[User]] = {}
    for role, count in {**STAFF, "nrm_manager": 1, "nrm_safeguarding_adviser": 1}.items():
        group = Group.objects.filter(name=role).first()
        existing = list(team.members.filter(groups__name=role).order_by("pk"))
        for n in range(len(existing), count):
            user = User.objects.create(
                username=f"ieca-{role.replace('_', '-')}-{n + 1}",
                first_name=role.replace("nrm_", "").replace("_", " ").title(),
                last_name=str(n + 1),
                grade=Grade.HEO if role == "technical_specialist" else Grade.EO,
                password=password,
            )
            user.teams.add(team)
            if group is not None:
                user.groups.add(group)
            existing.append(user)
        staff[role] = existing
    return team, staff


def references_ensure() -> tuple[m.GuidanceEdition, m.GuidanceEdition, list[m.ReferralFormVersion]]:
    old, _ = m.GuidanceEdition.objects.get_or_create(
        code="MSA-SG-3.9",
        defaults={
            "title": "Modern Slavery: statutory guidance, version 3.9",
            "in_force_from": date(2024, 1, 30),
            "superseded_on": date(2025, 12, 31),
        },
    )
    new, _ = m.GuidanceEdition.objects.get_or_create(
        code="MSA-SG-3.10",
        defaults={
            "title": "Modern Slavery: statutory guidance, version 3.10",
            "in_force_from": date(2026, 1, 1),
        },
    )
    v2_questions = [
        *rules.REFERRAL_FORM_V1,
        {
            "key": "control_details",
            "label": "How the person was controlled",
            "type": "text",
            "required": False,
        },
    ]
    forms = []
    for version, effective, questions, note in (
        (1, date(2024, 1, 1), rules.REFERRAL_FORM_V1, "First version"),
        (2, date(2026, 4, 1), v2_questions, "Adds how the person was controlled"),
    ):
        form, _ = m.ReferralFormVersion.objects.get_or_create(
            version=version,
            defaults={
                "effective_from": effective,
                "questions": questions,
                "change_note": note,
                "created_at": _at(effective, 9),
            },
        )
        forms.append(form)
    return old, new, forms


def _people(rng: random.Random) -> list[tuple[int, str]]:
    ids = list(
        pm.Person.objects.filter(merged_into__isnull=True).values_list("pk", flat=True)[:5000]
    )
    nationality: dict[int, str] = {}
    for pid, country in pm.PersonNationality.objects.filter(person_id__in=ids).values_list(
        "person_id", "country"
    ):
        nationality.setdefault(pid, country)
    return [(pid, nationality.get(pid) or rng.choice(FALLBACK_NATIONALITIES)) for pid in ids]


def nrm_demo_load(
    *,
    anchor: datetime,
    scale: float = 1.0,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Load the competent authority's demo (see the module docstring). Adds to what is there."""
    rng = random.Random(seed * 17 + 19)
    with clock.frozen(anchor):
        today = clock.today()
        with transaction.atomic():
            team, staff = staff_ensure()
            old_guidance, guidance, forms = references_ensure()
        people = _people(rng)
        if not people:
            return {"referrals": 0}
        counts = _build(rng, today, scale, team, staff, old_guidance, guidance, forms, people)
    if progress is not None:
        progress(
            f"NRM referrals {counts['referrals']:,}; decisions {counts['decisions']:,}; "
            f"sample rounds {counts['rounds']}"
        )
    return counts


def _build(rng, today, scale, team, staff, old_guidance, guidance, forms, people) -> dict[str, int]:
    makers = staff["nrm_decision_maker"]
    specialists = staff["technical_specialist"]
    preparers = staff["nrm_case_preparation"]
    manager = staff["nrm_manager"][0]
    adviser = staff["nrm_safeguarding_adviser"][0]
    per_quarter = max(1, round(rules.DEMO_REFERRALS_PER_QUARTER * scale))
    start = today - timedelta(days=365)
    referral_pk = _next_pk(m.Referral)
    decision_pk = _next_pk(m.Decision)
    ref_seq = m.Referral.objects.count() + 1
    referrals: list[m.Referral] = []
    decisions: list[m.Decision] = []
    checks: list[m.SpecialistCheck] = []
    advice: list[m.SafeguardingAdvice] = []
    assessments: list[m.QualityAssessment] = []
    total = per_quarter * 4
    for i in range(total):
        received_day = start + timedelta(days=int(365 * i / total) + rng.randint(0, 1))
        if received_day > today:
            received_day = today
        received = _at(received_day, rng.randint(8, 17))
        person_id, nationality = rng.choice(people)
        age_group = "child" if rng.random() < 0.12 else "adult"
        form = forms[1] if received_day >= forms[1].effective_from else forms[0]
        edition = guidance if received_day >= guidance.in_force_from else old_guidance
        maker = rng.choice(makers)
        due = rules.rg_due_on(received_day)
        referral = m.Referral(
            pk=referral_pk,
            reference=f"{rules.REFERENCE_PREFIX}-{received_day.year}-{ref_seq:06d}",
            person_id=person_id,
            form_version=form,
            answers={
                "account": "Account recorded by the first responder.",
                "indicators": "Indicators observed.",
            },
            received_at=received,
            referrer_type=_weighted(rng, REFERRER_MIX),
            consent="child" if age_group == "child" else "consented",
            age_group=age_group,
            local_authority="Hillingdon" if age_group == "child" else "",
            detained=rng.random() < 0.45,
            nationality=nationality[:3],
            exploitation_types=[_weighted(rng, EXPLOITATION_MIX)],
            control_methods=[rng.choice(list(rules.CONTROL_METHODS))],
            priority_cohort=_weighted(rng, COHORT_MIX),
            source="web",
            rg_due_on=due,
            decision_maker=maker,
            case_preparer=rng.choice(preparers),
            owning_team=team,
            last_activity_at=received,
        )
        referral_pk += 1
        ref_seq += 1
        referrals.append(referral)
        if rng.random() < 0.6:
            met = {key: rng.random() < 0.8 for key in rules.QUALITY_CHECKLIST}
            assessments.append(
                m.QualityAssessment(
                    referral=referral,
                    assessed_by=rng.choice(preparers),
                    assessed_at=received + timedelta(days=1),
                    checklist=met,
                    score=sum(met.values()) / len(met),
                )
            )
        # RG: most within the target; those still inside it are waiting.
        rg_day = rules.working_days_after(received_day, rng.choice([2, 3, 4, 5, 5, 6, 8]))
        if rg_day >= today:
            referral.status = (
                m.ReferralStatus.RG_PENDING
                if rng.random() < 0.7
                else (m.ReferralStatus.PREPARATION)
            )
            continue
        rg_positive = rng.random() < rules.DEMO_POSITIVE_SHARE
        rg = _decision(
            decision_pk,
            referral,
            "rg",
            "positive" if rg_positive else "negative",
            maker,
            edition,
            rg_day,
        )
        decision_pk += 1
        decisions.append(rg)
        _extras(rng, rg, specialists, manager, adviser, checks, advice)
        referral.last_activity_at = rg.served_at
        if not rg_positive:
            referral.status, referral.outcome = m.ReferralStatus.CONCLUDED, "negative"
            referral.concluded_at = rg.served_at
            continue
        referral.recovery_ends_on = rules.recovery_ends_on(rg_day)
        cg_day = referral.recovery_ends_on + timedelta(days=rng.randint(5, 90))
        if cg_day >= today:
            referral.status = (
                m.ReferralStatus.RECOVERY
                if referral.recovery_ends_on > today
                else m.ReferralStatus.CG_PENDING
            )
            continue
        outcome = (
            rng.choice(["positive_trafficking", "positive_slavery"])
            if rng.random() < rules.DEMO_POSITIVE_SHARE + 0.1
            else "negative"
        )
        cg = _decision(
            decision_pk,
            referral,
            "cg",
            outcome,
            maker,
            guidance if cg_day >= guidance.in_force_from else old_guidance,
            cg_day,
        )
        decision_pk += 1
        decisions.append(cg)
        _extras(rng, cg, specialists, manager, adviser, checks, advice)
        referral.status, referral.outcome = m.ReferralStatus.CONCLUDED, outcome
        referral.concluded_at = referral.last_activity_at = cg.served_at
    with transaction.atomic():
        m.Referral.objects.bulk_create(referrals, batch_size=2000)
        m.QualityAssessment.objects.bulk_create(assessments, batch_size=2000)
        m.Decision.objects.bulk_create(decisions, batch_size=2000)
        m.SpecialistCheck.objects.bulk_create(checks, batch_size=2000)
        m.SafeguardingAdvice.objects.bulk_create(advice, batch_size=2000)
        _reset_sequences(m.Referral, m.Decision)
        rounds = _sample_rounds(rng, today, start, decisions, specialists)
        followups = _followups(rng, today, decisions, staff, scale)
    return {
        **followups,
        "referrals": len(referrals),
        "decisions": len(decisions),
        "checks": len(checks),
        "safeguarding_advice": len(advice),
        "rounds": rounds,
    }


def _decision(pk, referral, stage, outcome, maker, edition, day) -> m.Decision:
    made = _at(day, 10)
    return m.Decision(
        pk=pk,
        referral=referral,
        stage=stage,
        outcome=outcome,
        status=m.DecisionStatus.SERVED,
        decision_maker=maker,
        legal_test=rules.RG_TEST if stage == "rg" else rules.CG_TEST,
        guidance=edition,
        evidence_considered="The referral, case preparation records and the person's account.",
        rationale="Considered against the legal test and the statutory guidance in force.",
        made_at=made,
        signed_off_at=made + timedelta(hours=2),
        served_at=made + timedelta(hours=5),
        served_by=maker,
        service_method="post and email to the representative",
    )


def _extras(rng, decision, specialists, manager, adviser, checks, advice) -> None:
    """A negative decision's agreed check (a few served under urgent service first); a safeguarding
    level with its advice on about a fifth of decisions."""
    if decision.outcome == "negative":
        urgent = rng.random() < 0.04
        if urgent:
            decision.urgent_service_by = manager
            decision.urgent_service_reason = "Removal directions set: served before the check"
        requested = decision.made_at + timedelta(minutes=30)
        checks.append(
            m.SpecialistCheck(
                decision=decision,
                status=m.CheckStatus.AGREED,
                requested_at=requested,
                specialist=rng.choice(specialists),
                completed_at=decision.served_at + timedelta(days=1)
                if urgent
                else decision.signed_off_at,
            )
        )
    if rng.random() < 0.2:
        level = rng.choice([1, 1, 2, 2, 3])
        decision.safeguarding_level = level
        requested = decision.made_at - timedelta(days=rng.randint(1, 3))
        advice.append(
            m.SafeguardingAdvice(
                decision=decision,
                level=level,
                formal_required=level == rules.FORMAL_ADVICE_LEVEL,
                requested_at=requested,
                requested_by=decision.decision_maker,
                adviser=adviser,
                advice="Support arranged with the outreach provider before service.",
                given_at=requested + timedelta(days=rng.randint(0, 3)),
            )
        )


def _sample_rounds(rng, today, start, decisions, specialists) -> int:
    """Monthly dip samples of positive CG decisions served, each rated."""
    by_month: dict[tuple[int, int], list[m.Decision]] = {}
    for d in decisions:
        if d.stage == "cg" and d.outcome in rules.POSITIVE_OUTCOMES:
            served = d.served_at.astimezone(clock.LONDON).date()
            by_month.setdefault((served.year, served.month), []).append(d)
    rounds = 0
    rate = rules.DIP_SAMPLE_RATE
    red_shares: list[float] = []
    ratings: list[m.QualityRating] = []
    for (year, month), items in sorted(by_month.items()):
        period_start = date(year, month, 1)
        period_end = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
        if period_end >= today:
            continue
        rate = rules.dip_sample_rate(current_rate=rate, red_share_by_round=red_shares)
        population = sorted(d.pk for d in items)
        seed = rng.getrandbits(62) + 1
        drawn = sampling.draw(population, rate, seed)
        sample_round = m.SampleRound.objects.create(
            drawn_at=_at(period_end + timedelta(days=3), 9),
            drawn_by=specialists[0],
            period_start=period_start,
            period_end=period_end,
            rate=rate,
            seed=seed,
            population=population,
            drawn=drawn,
            rate_reason=f"Rate {rate:.0%} from the earlier rounds' red shares",
        )
        rounds += 1
        red_share = 0.6 if len(red_shares) < 3 else 0.3
        reds = 0
        by_pk = {d.pk: d for d in items}
        for pk in drawn:
            red = rng.random() < red_share
            amber = not red and rng.random() < 0.3
            value = "red" if red else "amber" if amber else "green"
            reds += red
            rater = next(s for s in specialists if s.pk != by_pk[pk].decision_maker_id)
            ratings.append(
                m.QualityRating(
                    decision_id=pk,
                    sample_round=sample_round,
                    rated_by=rater,
                    rated_at=_at(period_end + timedelta(days=rng.randint(5, 20)), 11),
                    rating=value,
                    reason_codes=["wrong_test"]
                    if red
                    else ["rationale_unclear"]
                    if amber
                    else ["sound"],
                    notes="Wrong standard of proof applied" if red else "",
                )
            )
        red_shares.append(reds / len(drawn) if drawn else 0.0)
    m.QualityRating.objects.bulk_create(ratings, batch_size=2000)
    return rounds


def _followups(rng, today, decisions, staff, scale) -> dict[str, int]:
    """The rarer work around decisions: reconsiderations of about one negative in twelve (decided
    by another decision maker), "minded to" disqualification notices after a few positive RGs,
    duty-line calls (about one a week), duty-to-notify records for adults who did not consent, and
    further-information requests before some RG decisions."""
    makers = staff["nrm_decision_maker"]
    adviser = staff["nrm_safeguarding_adviser"][0]
    manager = staff["nrm_manager"][0]
    negatives = [d for d in decisions if d.outcome == "negative" and d.served_at]
    reconsiderations = []
    for decision in negatives:
        if rng.random() >= 1 / 12:
            continue
        requested = decision.served_at + timedelta(days=rng.randint(3, 25))
        decided = requested + timedelta(days=rng.randint(5, 20))
        done = decided.date() < today
        others = [u for u in makers if u.pk != decision.decision_maker_id] or [manager]
        reconsiderations.append(
            m.Reconsideration(
                decision=decision,
                status=m.ReconsiderationStatus.DECIDED
                if done
                else m.ReconsiderationStatus.REQUESTED,
                requester_type=rng.choice(list(rules.RECONSIDERATION_REQUESTERS)),
                requester_name=rng.choice(
                    ["Hibiscus Initiatives", "Detention engagement team Heathrow"]
                ),
                grounds="New evidence of control by the exploiter, not before the decision maker.",
                requested_at=requested,
                in_time=True,
                decided_by=rng.choice(others) if done else None,
                decided_at=decided if done else None,
                upheld=(rng.random() < 0.7) if done else None,
                reasons="The new evidence was considered against the test in force."
                if done
                else "",
            )
        )
    positives = [
        d for d in decisions if d.stage == "rg" and d.outcome == "positive" and d.served_at
    ]
    disqualifications = []
    for decision in rng.sample(positives, min(len(positives), max(1, round(6 * scale)))):
        sent = decision.served_at + timedelta(days=rng.randint(5, 20))
        due = rules.disqualification_response_due(sent.date())
        closed = due < today
        disqualified = rng.random() < 0.5
        disqualifications.append(
            m.Disqualification(
                referral_id=decision.referral_id,
                rg_decision=decision,
                status=m.DisqualificationStatus.DECIDED
                if closed
                else m.DisqualificationStatus.MINDED_TO,
                grounds="Sentenced to 12 months' imprisonment or more (s63(3)).",
                consequences_stated="If disqualified, protections under s61 and s62 stop applying.",
                notice_sent_at=sent,
                notice_sent_by=decision.decision_maker,
                response_due_on=due,
                retrafficking_risk=rng.choice(["low", "medium", "high"]) if closed else "",
                retrafficking_assessment="Assessed with the safeguarding adviser."
                if closed
                else "",
                assessed_by=adviser if closed else None,
                assessed_at=_at(due, 11) if closed else None,
                disqualified=disqualified if closed else None,
                reasons="Weighed the public order ground against the re-trafficking risk."
                if closed
                else "",
                decided_by=manager if closed else None,
                decided_at=_at(due + timedelta(days=1), 15) if closed else None,
            )
        )
    calls = []
    referral_ids = [d.referral_id for d in decisions]
    for week in range(max(1, round(52 * scale))):
        received = _at(today - timedelta(days=7 * week + rng.randint(0, 4)), rng.randint(8, 18))
        closed = week > 0
        calls.append(
            m.DutyLineCall(
                received_at=received,
                call_handler=adviser,
                caller=rng.choice(
                    ["Support provider", "Detention centre welfare officer", "Solicitor"]
                ),
                referral_id=rng.choice(referral_ids) if referral_ids else None,
                summary="Caller worried about the person's safety before the decision is served.",
                risk_level=rng.choice([1, 2, 3]),
                actions="Advice given; decision maker told.",
                status=m.DutyCallStatus.CLOSED if closed else m.DutyCallStatus.OPEN,
                follow_up_due_on=rules.working_days_after(
                    received.date(), rules.DUTY_LINE_FOLLOW_UP_WORKING_DAYS
                ),
                followed_up_at=received + timedelta(hours=20) if closed else None,
                follow_up="Support provider confirmed safe accommodation." if closed else "",
                debrief="Debriefed with the duty manager." if closed else "",
                debriefed_at=received + timedelta(days=1) if closed else None,
            )
        )
    notices = [
        m.DutyToNotify(
            received_at=_at(today - timedelta(days=rng.randint(1, 360)), 12),
            referrer_type=rng.choice(["enforcement_officer", "prison_immigration_team"]),
            nationality=rng.choice(["ALB", "VNM", "ERI", "SDN", "IND"]),
            exploitation_types=[rng.choice(list(rules.EXPLOITATION_TYPES))],
            where_exploited=rng.choice(["Car wash, Midlands", "Cannabis farm", "Nail bar, London"]),
            summary="Adult did not consent to a referral.",
        )
        for _ in range(max(1, round(40 * scale)))
    ]
    # Further information asked before about one RG decision in 25 (s58 notices among them), all
    # answered; one in five after the due date, most of those without a reason (recorded as late
    # without good reason). Drawn last, so the draws above are unchanged.
    preparers = staff["nrm_case_preparation"] or [manager]
    requests = []
    rgs = [d for d in decisions if d.stage == "rg"]
    for decision in rng.sample(rgs, min(len(rgs), max(1, round(len(rgs) / 25)))):
        sent = decision.made_at - timedelta(days=rng.randint(12, 20))
        due = rules.information_due_on(sent.date())
        late = rng.random() < 0.2
        answered = (
            _at(due + timedelta(days=rng.randint(1, 3)), 15)
            if late
            else sent + timedelta(days=rng.randint(2, 8))
        )
        requests.append(
            m.InformationRequest(
                referral_id=decision.referral_id,
                requested_from=rng.choice(
                    ["Police Scotland", "Metropolitan Police", "Local authority", "Salvation Army"]
                ),
                questions="Any record of the person as a victim or suspect, and where they lived.",
                is_s58_notice=rng.random() < 0.3,
                status=m.InformationRequestStatus.ANSWERED,
                sent_at=sent,
                sent_by=rng.choice(preparers),
                due_on=due,
                answered_at=answered,
                answer="Record found; details on the casework system.",
                late_without_good_reason=late and rng.random() < 0.7,
            )
        )
    m.InformationRequest.objects.bulk_create(requests, batch_size=2000)
    m.Reconsideration.objects.bulk_create(reconsiderations, batch_size=2000)
    m.Disqualification.objects.bulk_create(disqualifications, batch_size=2000)
    m.DutyLineCall.objects.bulk_create(calls, batch_size=2000)
    m.DutyToNotify.objects.bulk_create(notices, batch_size=2000)
    return {
        "reconsiderations": len(reconsiderations),
        "disqualifications": len(disqualifications),
        "duty_calls": len(calls),
        "duty_to_notify": len(notices),
        "information_requests": len(requests),
    }
