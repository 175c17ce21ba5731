"""Data-quality rules by dimension of the Government Data Quality Framework (issue 20 item 4;
oversight.md §3 "Data quality", §6; 000 recommendation 1: "a data quality framework").

Each module declares its rules here, from the fairness and data-quality section of its
``register_oversight_feeds()``; oversight measures them (a score by team and rule over time, the
failing records kept as a capped sample and turned into work on their owner's queue) without
importing the module:

    register_data_quality_rule(
        "monitoring.no_issued_phone",            # key: "<module>.<what>"
        "Active EM conditions with no issued phone number",
        "monitoring",
        "completeness",                          # one of DIMENSIONS
        no_issued_phone_check,                   # check_fn() -> DataQualityCheck
    )

``check_fn()`` returns a ``DataQualityCheck``: how many records the rule looked at, per team (the
team accountable for putting them right; ``None`` when no team owns them), and every record that
fails it as a ``FailingRecord(key, label, person_id, team_id, owner_id)``: a stable key for the
record (``"condition:12"``), what a person reads ("EM condition for WM-0001234"), the person it is
about, and the team and user who own putting it right.

A rule's **score** is the share of the records it looked at that pass (Great Expectations'
"success percent"); below ``warn_below`` it warns, below ``fail_below`` it fails (dbt's
``warn_if`` / ``error_if``). Both default to the platform's thresholds below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

# The six dimensions of the Government Data Quality Framework (2020).
DIMENSIONS: dict[str, str] = {
    "completeness": "Completeness",
    "uniqueness": "Uniqueness",
    "consistency": "Consistency",
    "timeliness": "Timeliness",
    "validity": "Validity",
    "accuracy": "Accuracy",
}
# A rule passes at or above 99% of its records passing, warns from 95% up to that, fails below:
# the defaults a module's rule takes unless it names its own.
DEFAULT_WARN_BELOW = 99.0
DEFAULT_FAIL_BELOW = 95.0

PASS, WARN, FAIL = "pass", "warn", "fail"


class FailingRecord(NamedTuple):
    key: str
    label: str
    person_id: int | None = None
    team_id: int | None = None
    owner_id: int | None = None


@dataclass
class DataQualityCheck:
    checked: dict[int | None, int] = field(default_factory=dict)  # team id -> records looked at
    failing: list[FailingRecord] = field(default_factory=list)

    @property
    def checked_total(self) -> int:
        return sum(self.checked.values())


CheckFn = Callable[[], DataQualityCheck]


@dataclass(frozen=True)
class DataQualityRule:
    key: str
    label: str
    module: str
    dimension: str
    check_fn: CheckFn
    description: str = ""
    warn_below: float = DEFAULT_WARN_BELOW
    fail_below: float = DEFAULT_FAIL_BELOW

    def state(self, score: float | None) -> str:
        """``pass``, ``warn`` or ``fail`` for a score in percent (no records: nothing can fail)."""
        if score is None or score >= self.warn_below:
            return PASS
        return WARN if score >= self.fail_below else FAIL


def score(checked: int, failing: int) -> float | None:
    """The percentage of records passing, or None when there were none to check."""
    if checked <= 0:
        return None
    return 100.0 * max(checked - failing, 0) / checked


_RULES: dict[str, DataQualityRule] = {}


def register_data_quality_rule(
    key: str,
    label: str,
    module: str,
    dimension: str,
    check_fn: CheckFn,
    *,
    description: str = "",
    warn_below: float = DEFAULT_WARN_BELOW,
    fail_below: float = DEFAULT_FAIL_BELOW,
) -> DataQualityRule:
    """Declare a rule. The same definition again is harmless; a different one under a key already
    taken, an unknown dimension or thresholds out of order are errors at start-up."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"Data-quality rule {key!r}: {dimension!r} is not a GDQF dimension")
    if not 0 <= fail_below <= warn_below <= 100:
        raise ValueError(f"Data-quality rule {key!r}: need 0 <= fail_below <= warn_below <= 100")
    if not key.startswith(f"{module}."):
        raise ValueError(f"Data-quality rule {key!r} must be named '{module}.<what>'")
    rule = DataQualityRule(
        key, label, module, dimension, check_fn, description, warn_below, fail_below
    )
    existing = _RULES.get(key)
    if existing is not None and existing != rule:
        raise ValueError(f"Data-quality rule {key!r} is already registered by {existing.module}")
    _RULES[key] = rule
    return rule


def data_quality_rules() -> list[DataQualityRule]:
    return sorted(_RULES.values(), key=lambda r: (r.module, r.dimension, r.label))


def data_quality_rule(key: str) -> DataQualityRule | None:
    return _RULES.get(key)


def check_querysets(
    population,
    failing,
    *,
    kind: str,
    label: str,
    team_field: str = "person__owning_team_id",
    owner_field: str | None = "person__case_owner_id",
    person_field: str = "person_id",
    reference_field: str = "person__reference",
) -> DataQualityCheck:
    """A ``DataQualityCheck`` from two querysets of the same model: the records the rule looks at
    and those that fail it. Each failing record is keyed ``"<kind>:<pk>"`` and labelled
    ``"<label> for <person's reference>"``; its team and owner come from the fields named."""
    from django.db.models import Count

    counts = population.order_by().values(team_field).annotate(n=Count("pk"))
    checked: dict[int | None, int] = dict(counts.values_list(team_field, "n"))
    fields = ["pk", person_field, team_field, reference_field]
    if owner_field:
        fields.append(owner_field)
    rows = failing.order_by("pk").values_list(*fields)
    records = []
    for row in rows.iterator():
        pk, person_id, team_id, reference = row[:4]
        owner_id = row[4] if owner_field else None
        text = f"{label} for {reference}" if reference else f"{label} {pk}"
        records.append(FailingRecord(f"{kind}:{pk}", text, person_id, team_id, owner_id))
    return DataQualityCheck(checked=checked, failing=records)
