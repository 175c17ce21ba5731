"""Quality-assurance reads per person and team (issue 20 item 2): quality beside throughput and
timeliness on the performance page, and the training needs QA failures suggest. Reads oversight's
own QA tables only (``SampleItem``, ``QAReview``, ``QAAnswer``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from waymark.core import clock
from waymark.oversight import rules
from waymark.oversight.models import QAAnswer, QAReview
from waymark.oversight.selectors.qa import LINE_PRECEDENCE


def _standing_reviews(reviews) -> list[QAReview]:
    """Of each item's reviews, the one that stands (second line over first)."""
    best: dict[int, QAReview] = {}
    for review in reviews:
        held = best.get(review.item_id)
        if held is None or LINE_PRECEDENCE.index(review.line) < LINE_PRECEDENCE.index(held.line):
            best[review.item_id] = review
    return list(best.values())


def quality_by(
    *, since: datetime, until: datetime, by: str, team_id: int | None = None
) -> dict[int, dict[str, Any]]:
    """QA ratings of work reviewed between ``since`` and ``until``, by the person whose work it
    was or by their team: reviews, the share green / amber / red (the rating that stands after a
    dispute) and the mean weighted score, as percentages. Keyed by user or team id."""
    reviews = QAReview.objects.filter(
        reviewed_at__gte=since, reviewed_at__lte=until
    ).select_related("item")
    if team_id is not None:
        reviews = reviews.filter(item__team_id=team_id)
    grouped: dict[int, list[QAReview]] = defaultdict(list)
    for review in _standing_reviews(reviews.only("item_id", "line", "final_rating", "score")):
        key = review.item.worker_id if by == "person" else review.item.team_id
        if key is not None:
            grouped[key].append(review)
    out = {}
    for key, rows in grouped.items():
        n = len(rows)
        shares = {
            r: round(100 * sum(x.final_rating == r for x in rows) / n) for r in rules.QA_RATINGS
        }
        out[key] = {
            "reviewed": n,
            "green_percent": shares["green"],
            "amber_percent": shares["amber"],
            "red_percent": shares["red"],
            "score_percent": round(100 * sum(x.score for x in rows) / n),
        }
    return out


def with_quality(rows: list[dict[str, Any]], quality: dict[int, dict[str, Any]], names) -> list:
    """Throughput rows with each one's quality beside it; people or teams reviewed but who
    finished no task in the period are added with no throughput. ``names``: id -> name."""
    out = []
    seen = set()
    for row in rows:
        out.append({**row, "quality": quality.get(row["id"])})
        seen.add(row["id"])
    for key, q in sorted(quality.items(), key=lambda kv: names.get(kv[0], "")):
        if key not in seen:
            out.append(
                {
                    "id": key,
                    "name": names.get(key, f"#{key}"),
                    "done": 0,
                    "with_deadline": 0,
                    "on_time": 0,
                    "on_time_percent": None,
                    "quality": q,
                }
            )
    return out


# ------------------------------------------------------------------------------------------------
# Training needs from QA failures


@dataclass
class TrainingNeed:
    topic: str
    label: str
    competence_key: str
    failures: int
    latest_review_id: int
    latest_at: datetime
    reasons: dict[str, int] = field(default_factory=dict)  # reason label -> count
    # The last day the person completed a course on the topic (training records; per person only)
    trained_on: date | None = None

    @property
    def trained_since(self) -> bool:
        """Trained on the topic on or after the day of the latest failure that suggested it."""
        return self.trained_on is not None and self.trained_on >= self.latest_at.date()


@dataclass
class TrainingNeedsRow:
    key: int  # user or team id
    name: str
    needs: list[TrainingNeed]


def _failures(*, since: datetime, team_id: int | None, person_id: int | None):
    """Red or amber answers with reasons, in reviews since ``since`` whose rating still stands
    as a failure (a dispute that lifted a review to green takes its failures away)."""
    answers = (
        QAAnswer.objects.filter(review__reviewed_at__gte=since)
        .exclude(rating="green")
        .exclude(review__final_rating="green")
        .select_related("review__item__worker", "review__item__team", "question")
    )
    if team_id is not None:
        answers = answers.filter(review__item__team_id=team_id)
    if person_id is not None:
        answers = answers.filter(review__item__worker_id=person_id)
    return answers


def training_needs(
    *, by: str, team_id: int | None = None, person_id: int | None = None, since=None
) -> list[TrainingNeedsRow]:
    """For each person (``by="person"``) or team, the training topics their recent QA failures
    point to (``rules.QA_REASON_TRAINING``), with how many failures and the latest review, most
    failures first. Topics under ``TRAINING_NEEDS_MIN_FAILURES`` are left out."""
    since = since or clock.now() - timedelta(days=rules.TRAINING_NEEDS_LOOKBACK_DAYS)
    grid: dict[int, dict[str, TrainingNeed]] = defaultdict(dict)
    names: dict[int, str] = {}
    for answer in _failures(since=since, team_id=team_id, person_id=person_id):
        item = answer.review.item
        if by == "person":
            if item.worker is None:
                continue
            key, name = item.worker_id, item.worker.display_name
        else:
            if item.team is None:
                continue
            key, name = item.team_id, item.team.name
        names[key] = name
        labels = answer.question.reason_labels
        counted: set[str] = set()
        for code in answer.reason_codes:
            topic = rules.training_topic(item.kind_key, code)
            if topic is None or topic not in rules.TRAINING_TOPICS or topic in counted:
                continue
            counted.add(topic)  # one answer counts once per topic, whatever its reasons
            label, competence = rules.TRAINING_TOPICS[topic]
            need = grid[key].get(topic)
            if need is None:
                need = grid[key][topic] = TrainingNeed(
                    topic, label, competence, 0, answer.review_id, answer.review.reviewed_at
                )
            need.failures += 1
            reason = labels.get(code, code)
            need.reasons[reason] = need.reasons.get(reason, 0) + 1
            if (answer.review.reviewed_at, answer.review_id) > (
                need.latest_at,
                need.latest_review_id,
            ):
                need.latest_at, need.latest_review_id = answer.review.reviewed_at, answer.review_id
    rows = []
    for key, topics in grid.items():
        needs = sorted(
            (n for n in topics.values() if n.failures >= rules.TRAINING_NEEDS_MIN_FAILURES),
            key=lambda n: (-n.failures, n.label),
        )
        if needs:
            rows.append(TrainingNeedsRow(key, names[key], needs))
    if by == "person" and rows:
        from waymark.oversight.selectors.training import completed_topics

        done = completed_topics([r.key for r in rows])
        for row in rows:
            for need in row.needs:
                need.trained_on = done.get((row.key, need.topic))
    return sorted(rows, key=lambda r: (-sum(n.failures for n in r.needs), r.name))
