"""The named evidence checks an action may require before it closes (oversight.md §4: "closure
needs evidence Waymark can check"). Each check answers ``EvidenceResult(state, detail)``:
``passed``, ``failed`` or ``cannot_check`` (the thing it would look at is not built yet). Closure
is refused unless the state is ``passed``; ``none`` needs no check.

Checks read other apps only through the platform's selectors (guidance, core.audit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from waymark.core import clock

PASSED, FAILED, CANNOT_CHECK = "passed", "failed", "cannot_check"
NONE = "none"


@dataclass(frozen=True)
class EvidenceResult:
    state: str
    detail: str

    @property
    def passed(self) -> bool:
        return self.state == PASSED


@dataclass(frozen=True)
class EvidenceCheck:
    key: str
    label: str
    parameter_label: str  # what the parameter names, "" if it takes none
    evaluate: Callable[[str], EvidenceResult]


def _guidance_published(slug: str) -> EvidenceResult:
    from django.http import Http404

    from waymark.guidance import selectors as guidance

    if not slug:
        return EvidenceResult(FAILED, "No guidance page is named")
    try:
        page = guidance.guidance_get(slug)
    except Http404:
        return EvidenceResult(FAILED, f"There is no guidance page at {slug!r}")
    versions = guidance.guidance_versions(page)
    if not versions or page.published_at > clock.now():
        return EvidenceResult(FAILED, f"Guidance page {page.title!r} is not published yet")
    return EvidenceResult(
        PASSED,
        f"Guidance page {page.title!r} is published at version {page.version} "
        f"({len(versions)} version(s) on record)",
    )


def _audit_log_verified(_parameter: str) -> EvidenceResult:
    from waymark.core.audit import audit_verify

    result = audit_verify()
    if not result.ok:
        return EvidenceResult(FAILED, f"The audit log does not verify: {result.problem}")
    return EvidenceResult(PASSED, f"The audit log verifies ({result.checked:,} sealed entries)")


def _data_quality_rule_passing(key: str) -> EvidenceResult:
    """The named data-quality rule's latest measurement passes (not warning, not failing)."""
    from waymark.core.data_quality import data_quality_rule, data_quality_rules
    from waymark.oversight.selectors.data_quality import data_quality_latest_state

    key = (key or "").strip()
    if not key:
        return EvidenceResult(FAILED, "No data-quality rule is named")
    rule = data_quality_rule(key) or next(  # its key, or its label as the page shows it
        (r for r in data_quality_rules() if r.label.casefold() == key.casefold()), None
    )
    if rule is None:
        return EvidenceResult(FAILED, f"There is no data-quality rule called {key!r}")
    latest = data_quality_latest_state(rule.key)
    if latest is None:
        return EvidenceResult(FAILED, f"{rule.label!r} has not been measured yet")
    shown = "no records to check" if latest.score is None else f"{latest.score:.1f}% passing"
    detail = f"{rule.label!r} measured on {latest.measured_on:%d %B %Y}: {shown}"
    if latest.state != "pass":
        return EvidenceResult(FAILED, f"{detail}, below its threshold of {rule.warn_below:g}%")
    return EvidenceResult(PASSED, detail)


def _not_built(what: str) -> Callable[[str], EvidenceResult]:
    def evaluate(_parameter: str) -> EvidenceResult:
        return EvidenceResult(CANNOT_CHECK, f"Waymark cannot check this yet: {what} is not built")

    return evaluate


CHECKS: dict[str, EvidenceCheck] = {
    c.key: c
    for c in [
        EvidenceCheck(
            NONE,
            "No check: the updates' evidence is enough",
            "",
            lambda _p: EvidenceResult(PASSED, "No check named"),
        ),
        EvidenceCheck(
            "guidance_published",
            "A guidance page exists and is published",
            "Guidance page address (slug)",
            _guidance_published,
        ),
        EvidenceCheck(
            "audit_log_verified",
            "The audit log verifies end to end",
            "",
            _audit_log_verified,
        ),
        EvidenceCheck(
            "guidance_version_approved",
            "A guidance version is approved",
            "Guidance page address (slug)",
            _not_built("guidance approval (draft / approved / withdrawn)"),
        ),
        EvidenceCheck(
            "sampling_rule_in_force",
            "A quality-assurance sampling rule is in force",
            "Sampling rule name",
            _not_built("quality-assurance sampling"),
        ),
        EvidenceCheck(
            "data_quality_rule_passing",
            "A data-quality rule is passing",
            "Data-quality rule name",
            _data_quality_rule_passing,
        ),
        EvidenceCheck(
            "figure_moved",
            "A defined figure has moved to its target",
            "Figure name",
            _not_built("the metric registry"),
        ),
    ]
}


def evidence_choices() -> list[tuple[str, str]]:
    return [(c.key, c.label) for c in CHECKS.values()]


def evidence_evaluate(kind: str, parameter: str = "") -> EvidenceResult:
    check = CHECKS.get(kind)
    if check is None:
        return EvidenceResult(CANNOT_CHECK, f"Waymark has no evidence check called {kind!r}")
    return check.evaluate(parameter)
