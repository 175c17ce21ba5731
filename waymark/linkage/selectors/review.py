"""Reads for the linkage review pages: the dashboard figures, the clerical review queue, one pair
with both source records and the people they belong to, one source record, and the records on a
person's "Linked records" tab. The run history is ``selectors.runs``.

Object access follows the people app: a pair or a record whose person the user may not see is
answered as missing (``Http404``), exactly like ``people.selectors.access_person``. A record not
yet linked to a person is visible to anyone with the page's permission
(``permissions.record_visible``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from waymark.linkage import rules
from waymark.linkage.models import (
    DECIDED,
    BulkCheckMatch,
    BulkMatchStatus,
    CandidatePair,
    ImportJob,
    LinkageRun,
    PairStatus,
    SourceKind,
    SourceRecord,
)
from waymark.linkage.permissions import person_visible_q, record_visible
from waymark.linkage.selectors._common import percent, signed
from waymark.linkage.selectors.runs import run_active
from waymark.people.selectors import person_can_view

# Pairs the queue lists by default: waiting for a decision, or referred to a senior reviewer.
QUEUE_STATUSES = (PairStatus.PENDING, PairStatus.UNSURE)
QUEUE_STATUS_CHOICES = [(s.value, s.label) for s in QUEUE_STATUSES]


# ------------------------------------------------------------------------------------------------
# Access


def record_visible_queryset(user) -> QuerySet[SourceRecord]:
    return SourceRecord.objects.filter(person_visible_q(user, "person"))


def pair_visible_queryset(user) -> QuerySet[CandidatePair]:
    return CandidatePair.objects.filter(
        person_visible_q(user, "record_l__person") & person_visible_q(user, "record_r__person")
    )


def access_pair(user, pk: int) -> CandidatePair:
    """One candidate pair, or 404 if missing or if either record's person is hidden from the user."""
    pair = (
        CandidatePair.objects.select_related(
            "run",
            "decided_by",
            "task",
            "person_merge",
            "record_l__person",
            "record_r__person",
            "record_l__import_job",
            "record_r__import_job",
        )
        .filter(pk=pk)
        .first()
    )
    if pair is None:
        raise Http404("No such pair")
    for record in (pair.record_l, pair.record_r):
        if not record_visible(user, record):
            raise Http404("No such pair")
    return pair


def access_record(user, pk: int) -> SourceRecord:
    record = SourceRecord.objects.select_related("person", "import_job").filter(pk=pk).first()
    if record is None or not record_visible(user, record):
        raise Http404("No such record")
    return record


# ------------------------------------------------------------------------------------------------
# Dashboard


def dashboard_figures() -> dict[str, Any]:
    """Counts for the linkage home page (aggregate figures: no one's details)."""
    by_kind = dict(
        SourceRecord.objects.values_list("source_kind").annotate(n=Count("pk")).order_by()
    )
    kinds = [
        {"kind": kind.value, "label": kind.label, "n": by_kind.get(kind.value, 0)}
        for kind in SourceKind
    ]
    statuses = dict(CandidatePair.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return {
        "records_by_kind": kinds,
        "records": sum(k["n"] for k in kinds),
        "people_linked": (
            SourceRecord.objects.exclude(person=None).values("person").distinct().count()
        ),
        "pairs_pending": statuses.get(PairStatus.PENDING, 0),
        "pairs_unsure": statuses.get(PairStatus.UNSURE, 0),
        "pairs_decided": sum(statuses.get(s, 0) for s in DECIDED),
        "pairs_auto": statuses.get(PairStatus.AUTO, 0),
        "bulk_unreviewed": BulkCheckMatch.objects.filter(status=BulkMatchStatus.PENDING).count(),
        "imports": ImportJob.objects.count(),
        "last_run": LinkageRun.objects.select_related("created_by").first(),
        "active_run": run_active(),
    }


# ------------------------------------------------------------------------------------------------
# The review queue


def band_of(probability: float) -> tuple[str, str]:
    for key, label, lowest in rules.REVIEW_BANDS:
        if probability >= lowest:
            return key, label
    key, label, _ = rules.REVIEW_BANDS[-1]
    return key, label


def _band_q(band: str) -> Q:
    keys = [b[0] for b in rules.REVIEW_BANDS]
    i = keys.index(band)
    q = Q(match_probability__gte=rules.REVIEW_BANDS[i][2])
    if i > 0:
        q &= Q(match_probability__lt=rules.REVIEW_BANDS[i - 1][2])
    return q


def review_queue(user, *, status: str = "", band: str = "") -> QuerySet[CandidatePair]:
    """Pairs waiting for a clerical decision (pending and unsure), most likely first."""
    statuses = [status] if status in {s.value for s in QUEUE_STATUSES} else list(QUEUE_STATUSES)
    qs = (
        pair_visible_queryset(user)
        .filter(status__in=statuses)
        .select_related("record_l", "record_r", "run", "decided_by")
        .order_by("-match_probability", "pk")
    )
    if band in {b[0] for b in rules.REVIEW_BANDS}:
        qs = qs.filter(_band_q(band))
    return qs


def review_queue_counts(user) -> dict[str, Any]:
    """How many pairs wait, by status and by band, among those the user may see."""
    base = pair_visible_queryset(user).filter(status__in=QUEUE_STATUSES)
    by_status = dict(base.values_list("status").annotate(n=Count("pk")).order_by())
    bands = [
        {"key": key, "label": label, "n": base.filter(_band_q(key)).count()}
        for key, label, _ in rules.REVIEW_BANDS
    ]
    return {
        "total": sum(by_status.values()),
        "pending": by_status.get(PairStatus.PENDING, 0),
        "unsure": by_status.get(PairStatus.UNSURE, 0),
        "bands": bands,
    }


# ------------------------------------------------------------------------------------------------
# One pair


@dataclass(frozen=True)
class ReasonRow:
    """One step of the pair's waterfall: a comparison and how far it moved the match weight."""

    field: str
    description: str
    label: str
    left: str
    right: str
    weight: float
    before: float
    after: float
    bar_x: float  # the SVG bar, in percent of the chart's width
    bar_width: float

    @property
    def direction(self) -> str:
        if self.weight > 0.05:
            return "for"
        if self.weight < -0.05:
            return "against"
        return "neutral"

    @property
    def signed(self) -> str:
        return f"{self.weight:+.2f}".replace("-", "\u2212")


def reasons_waterfall(contributions: list[dict[str, Any]], total: float) -> dict[str, Any]:
    """The pair's reasons as a waterfall: the prior (the chance two records picked at random are
    one person), then each comparison's weight, ending at the total match weight."""
    weights = [float(c.get("weight") or 0.0) for c in contributions]
    prior = total - sum(weights)
    running = [prior]
    for w in weights:
        running.append(running[-1] + w)
    low, high = min(0.0, *running), max(0.0, *running)
    span = (high - low) or 1.0

    def x(value: float) -> float:
        return round(100 * (value - low) / span, 2)

    rows = []
    for c, w, before in zip(contributions, weights, running, strict=False):
        after = before + w
        left, right = sorted((x(before), x(after)))
        rows.append(
            ReasonRow(
                field=str(c.get("field", "")),
                description=str(c.get("description") or c.get("field", "")),
                label=str(c.get("label", "")),
                left=str(c.get("left") or ""),
                right=str(c.get("right") or ""),
                weight=w,
                before=before,
                after=after,
                bar_x=left,
                bar_width=max(right - left, 0.5),
            )
        )
    prior_l, prior_r = sorted((x(0.0), x(prior)))
    return {
        "rows": rows,
        "prior": prior,
        "prior_signed": signed(prior),
        "prior_x": prior_l,
        "prior_width": max(prior_r - prior_l, 0.5),
        "zero_x": x(0.0),
        "total": total,
        "total_signed": signed(total),
    }


# Side-by-side rows of the comparison: label, record attribute as typed, standardised attribute(s).
RECORD_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Given names", "given_names", ("given_std", "middle_std")),
    ("Family name", "family_name", ("family_std",)),
    ("Date of birth", "date_of_birth", ()),
    ("Sex", "sex", ()),
    ("Nationality", "nationality", ()),
    ("Postcode", "postcode", ("postcode_std",)),
    ("Address", "address", ()),
    ("Home Office reference", "home_office_ref", ()),
    ("Police National Computer ID", "pnc_id", ()),
)
EXTRA_LABELS = {
    "cid_person_id": "CID person ID",
    "case_type": "Case type",
    "owning_unit": "Owning unit",
    "case_status": "Case status",
    "notes": "Notes",
    "case_owner": "Case owner",
    "next_action": "Next action",
    "cro_number": "CRO number",
    "offence_count": "Offences",
    "most_serious_offence": "Most serious offence",
    "last_conviction_date": "Last conviction",
    "force": "Police force",
}


def _typed(record: SourceRecord, attr: str) -> str:
    value = getattr(record, attr)
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _std(record: SourceRecord, attrs: tuple[str, ...]) -> str:
    return " ".join(str(getattr(record, a) or "") for a in attrs).strip()


def records_side_by_side(left: SourceRecord, right: SourceRecord) -> list[dict[str, Any]]:
    """One row per field: each record's value as typed and standardised, and whether they differ."""
    rows = []
    for label, attr, std in RECORD_ROWS:
        lt, rt = _typed(left, attr), _typed(right, attr)
        ls, rs = (_std(left, std), _std(right, std)) if std else (lt, rt)
        rows.append(
            {
                "label": label,
                "left": lt,
                "right": rt,
                "left_std": ls if std else "",
                "right_std": rs if std else "",
                "differs": bool(ls and rs) and ls != rs,
            }
        )
    keys = [k for k in EXTRA_LABELS if k in (left.extra or {}) or k in (right.extra or {})]
    for key in keys:
        lv, rv = (
            str((left.extra or {}).get(key, "") or ""),
            str((right.extra or {}).get(key, "") or ""),
        )
        rows.append(
            {
                "label": EXTRA_LABELS[key],
                "left": lv,
                "right": rv,
                "left_std": "",
                "right_std": "",
                "differs": False,
            }
        )
    return rows


def person_of(user, record: SourceRecord) -> dict[str, Any] | None:
    """The person a record belongs to, with the survivor if it was merged (both only if visible)."""
    person = record.person
    if person is None:
        return None
    survivor = person.merged_into if person.merged_into_id else None
    if survivor is not None and not person_can_view(user, survivor):
        survivor = None
    return {"person": person, "survivor": survivor}


def held_by_the_twins_guard(pair: CandidatePair) -> bool:
    """A pair scored at or above the run's upper threshold that still waits for a person: the
    engine's twins guard held it (forenames differ, no Home Office reference or PNC ID agrees)."""
    return (
        pair.status in {s.value for s in QUEUE_STATUSES}
        and pair.match_probability >= pair.run.upper_threshold
    )


HELD_SHORT = "Held for a person: the forenames differ (twins or siblings?)"
HELD_LONG = (
    "The model scored this pair above {threshold}, where records link on their own, but the "
    "forenames differ and no Home Office reference or PNC ID agrees. Twins and siblings share a "
    "surname, a date of birth, an address and a nationality, which adds up to a high score; only "
    "their forenames and their own references tell them apart, so a person decides."
)


def held_reason(pair: CandidatePair) -> str:
    """Why a pair above the upper threshold is in the review queue, in words; empty otherwise."""
    if not held_by_the_twins_guard(pair):
        return ""
    return HELD_LONG.format(threshold=percent(pair.run.upper_threshold))


def pair_detail(user, pair: CandidatePair) -> dict[str, Any]:
    """Everything the comparison page shows about a pair."""
    band_key, band_label = band_of(pair.match_probability)
    left, right = pair.record_l, pair.record_r
    same_person = left.person_id is not None and left.person_id == right.person_id
    return {
        "pair": pair,
        "left": left,
        "right": right,
        "left_person": person_of(user, left),
        "right_person": person_of(user, right),
        "same_person": same_person,
        "rows": records_side_by_side(left, right),
        "waterfall": reasons_waterfall(list(pair.contributions or []), pair.match_weight),
        "probability": percent(pair.match_probability),
        "weight": signed(pair.match_weight),
        "band": band_label,
        "band_key": band_key,
        "decided": pair.is_decided,
        "unsure": pair.status == PairStatus.UNSURE,
        "held_reason": held_reason(pair),
    }


def record_pairs(user, record: SourceRecord) -> QuerySet[CandidatePair]:
    """The scored pairs a record is in (that the user may see), most likely first."""
    return (
        pair_visible_queryset(user)
        .filter(Q(record_l=record) | Q(record_r=record))
        .select_related("record_l", "record_r")
        .order_by("-match_probability", "pk")
    )


def record_siblings(user, record: SourceRecord) -> QuerySet[SourceRecord]:
    """The other source records linked to the same person."""
    if record.person_id is None:
        return SourceRecord.objects.none()
    return record_visible_queryset(user).filter(person_id=record.person_id).exclude(pk=record.pk)


# ------------------------------------------------------------------------------------------------
# The person's "Linked records" tab


def person_source_records(person) -> list[SourceRecord]:
    """Every source record linked to the person, by source."""
    return list(
        SourceRecord.objects.filter(person=person)
        .select_related("import_job")
        .order_by("source_kind", "source_ref")
    )


def records_open_pairs(records: list[SourceRecord]) -> QuerySet[CandidatePair]:
    """The pairs still waiting (pending or unsure) that any of these records is in, most likely
    first (at most 20)."""
    ids = [r.pk for r in records]
    pairs = CandidatePair.objects.filter(record_l_id__in=ids) | CandidatePair.objects.filter(
        record_r_id__in=ids
    )
    return (
        pairs.filter(status__in=["pending", "unsure"])
        .distinct()
        .order_by("-match_probability")[:20]
    )
