"""Writes for quality: dip-sampling rounds of positive conclusive grounds decisions, their
red/amber/green ratings with coded reasons, and quarterly trend reviews (002 rec 5c, 6b-c).

A round records the rate (``rules.dip_sample_rate`` over earlier rounds' red shares), the reason
for it, the seed, the population and the ids drawn, so ``dip_sample_rederive`` gives the same ids
from the record alone (``waymark.core.sampling``). Each drawn decision gets an unrated
``QualityRating`` and an ``nrm.dip_sample_rate`` task in the authority team's queue.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from waymark.accounts.models import Team
from waymark.core import clock, sampling
from waymark.core.audit import audit_record
from waymark.nrm import permissions as perms
from waymark.nrm import rules
from waymark.nrm.models import Decision, QualityRating, SampleRound, TrendReview
from waymark.nrm.registrations import QUALITY_VERBS
from waymark.nrm.selectors import sampling as sel
from waymark.work import services as work

AUTHORITY_TEAM_SLUG = "competent-authority"
RATE_TASK = "nrm.dip_sample_rate"


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require_checker(actor, doing: str) -> None:
    if actor is None or not actor.has_perm(perms.CHECK):
        raise PermissionDenied(f"Your role does not allow you to {doing}")


def _audit(*, actor, verb: str, target, payload: dict[str, Any], person_id=None) -> None:
    audit_record(
        actor=actor,
        action=QUALITY_VERBS[verb],
        verb=verb,
        target=target,
        person_id=person_id,
        payload=payload,
    )


def _authority_team(actor) -> Team:
    team = Team.objects.filter(slug=AUTHORITY_TEAM_SLUG).first()
    if team is None and actor is not None:
        team = actor.primary_team
    if team is None:
        raise ValidationError("There is no competent authority team to give the ratings to")
    return team


OVERLAP = "A dip sample already covers part of this period"


def _overlapping(period_start: date, period_end: date) -> bool:
    return SampleRound.objects.filter(
        period_start__lte=period_end, period_end__gte=period_start
    ).exists()


def dip_sample_draw(*, actor, period_start: date, period_end: date) -> SampleRound:
    """Draw this period's dip sample of positive CG decisions served in it."""
    _require_checker(actor, "draw a dip sample")
    if period_start is None or period_end is None:
        raise ValidationError({"period_start": "Enter the start and end of the period"})
    if period_end < period_start:
        raise ValidationError({"period_end": "The end of the period must not be before its start"})
    if period_end > clock.today():
        raise ValidationError({"period_end": "The period must have ended before it is sampled"})
    if _overlapping(period_start, period_end):
        raise ValidationError({"period_start": OVERLAP})
    now = clock.now()
    with transaction.atomic():
        # There is no round yet to lock: two draws at once (a double submission, two specialists)
        # are made one after the other by locking the competent authority's team, and the second
        # finds the first's round and is refused as the check above would have (a no-key lock:
        # rows naming the team are still written meanwhile). The rate is read under the lock, so
        # a round for an earlier period drawn at the same moment is counted in it.
        team = _authority_team(actor)
        Team.objects.select_for_update(no_key=True).filter(pk=team.pk).exists()
        if _overlapping(period_start, period_end):
            raise ValidationError({"period_start": OVERLAP})
        population = sel.positive_cg_served_ids(period_start, period_end)
        if not population:
            raise ValidationError(
                {
                    "period_start": "No positive conclusive grounds decision was served in this period"
                }
            )
        rate, reason = sel.next_rate(before=period_start)
        seed = sampling.new_seed()
        drawn = sampling.draw(population, rate, seed)
        sample_round = SampleRound.objects.create(
            drawn_at=now,
            drawn_by=_user(actor),
            period_start=period_start,
            period_end=period_end,
            rate=rate,
            seed=seed,
            population=population,
            drawn=drawn,
            rate_reason=reason[:300],
        )
        QualityRating.objects.bulk_create(
            [QualityRating(decision_id=pk, sample_round=sample_round) for pk in drawn]
        )
        queue = work.queue_for(team=team, kind="dip-sample", name=f"{team.name}: dip sample")
        decisions = Decision.objects.select_related("referral").in_bulk(drawn)
        for rating in sample_round.ratings.all():
            decision = decisions[rating.decision_id]
            work.task_create(
                actor=actor,
                task_type=RATE_TASK,
                title=f"Rate the conclusive grounds decision on {decision.referral.reference}",
                person=decision.referral.person,
                subject=rating,
                queue=queue,
                dedupe_key=f"nrm-rate-{rating.pk}",
            )
        _audit(
            actor=actor,
            verb="nrm.dip_sample_drawn",
            target=sample_round,
            payload={
                "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(),
                "rate": rate,
                "rate_reason": reason,
                "seed": seed,
                "population": len(population),
                "drawn": drawn,
            },
        )
    return sample_round


def dip_sample_rederive(sample_round: SampleRound) -> list[int]:
    """The ids the round's recorded seed, rate and population give: the same as ``drawn``."""
    return sampling.draw(sample_round.population, sample_round.rate, sample_round.seed)


def quality_rate(
    *,
    actor,
    rating: QualityRating,
    rating_value: str,
    reason_codes: list[str],
    notes: str = "",
) -> QualityRating:
    """Rate a sampled decision red, amber or green with coded reasons. A technical specialist or a
    manager rates; never the decision's own maker."""
    _require_checker(actor, "rate the quality of decisions")
    decision = rating.decision
    if decision.decision_maker_id == actor.pk:
        raise PermissionDenied("You cannot rate a decision you made")
    errors: dict[str, str] = {}
    if rating_value not in rules.QUALITY_RATINGS:
        errors["rating"] = "Choose red, amber or green"
    codes = list(dict.fromkeys(reason_codes or []))
    unknown = [c for c in codes if c not in rules.QUALITY_REASON_CODES]
    if unknown:
        errors["reason_codes"] = "Choose reasons from the list"
    elif not codes:
        errors["reason_codes"] = "Choose at least one reason"
    elif rating_value in ("red", "amber") and codes == ["sound"]:
        errors["reason_codes"] = "A red or amber rating needs a reason other than a sound decision"
    elif rating_value == "green" and "sound" not in codes and "letter_errors" not in codes:
        errors["reason_codes"] = (
            "A green rating is a sound decision: choose 'Sound decision' (and any minor issue)"
        )
    notes = (notes or "").strip()
    if rating_value == "red" and not notes:
        errors["notes"] = "Explain a red rating"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rating = QualityRating.objects.select_for_update().get(pk=rating.pk)
        old = {"rating": rating.rating, "reason_codes": rating.reason_codes}
        rating.rating = rating_value
        rating.reason_codes = codes
        rating.notes = notes
        rating.rated_by = _user(actor)
        rating.rated_at = clock.now()
        rating.save(update_fields=["rating", "reason_codes", "notes", "rated_by", "rated_at"])
        work.tasks_close_for(actor=actor, subject=rating, task_types=[RATE_TASK], outcome="rated")
        _audit(
            actor=actor,
            verb="nrm.decision_rated",
            target=rating,
            person_id=decision.referral.person_id,
            payload={
                "decision": decision.pk,
                "old": old,
                "new": {"rating": rating_value, "reason_codes": codes},
            },
        )
    return rating


def trend_review_record(
    *, actor, quarter_start: date, findings: str, actions: str = ""
) -> TrendReview:
    """Record the quarter's trend review with the figures as they stand now (ratings by decision
    maker and by priority cohort)."""
    _require_checker(actor, "record a trend review")
    errors: dict[str, str] = {}
    if quarter_start is None or not sel.is_quarter_start(quarter_start):
        errors["quarter_start"] = (
            "Choose a quarter (it starts on 1 January, April, July or October)"
        )
    elif quarter_start > clock.today():
        errors["quarter_start"] = "The quarter has not started yet"
    elif TrendReview.objects.filter(quarter_start=quarter_start).exists():
        errors["quarter_start"] = "This quarter has already been reviewed"
    findings = (findings or "").strip()
    if not findings:
        errors["findings"] = "Enter what the review found"
    if errors:
        raise ValidationError(errors)
    figures = sel.quality_figures(quarter_start)
    with transaction.atomic():
        try:
            with transaction.atomic():
                review = TrendReview.objects.create(
                    quarter_start=quarter_start,
                    reviewed_by=actor,
                    reviewed_at=clock.now(),
                    figures=figures,
                    findings=findings,
                    actions=(actions or "").strip(),
                )
        except IntegrityError:
            # A review of the quarter recorded at the same moment (its quarter is unique): the
            # insert waited for it, and this one is refused as if the check above had seen it.
            if TrendReview.objects.filter(quarter_start=quarter_start).exists():
                raise ValidationError(
                    {"quarter_start": "This quarter has already been reviewed"}
                ) from None
            raise
        _audit(
            actor=actor,
            verb="nrm.trend_review_recorded",
            target=review,
            payload={"quarter_start": quarter_start.isoformat(), "figures": figures},
        )
    return review
