"""The named evidence checks an action may require before it closes (oversight.md §4: "closure
needs evidence Waymark can check"). Each check answers ``EvidenceResult(state, detail)``:
``passed``, ``failed`` or ``cannot_check`` (no check of that name). Closure
is refused unless the state is ``passed``; ``none`` needs no check.

Checks read other apps only through the platform's selectors and registries (guidance,
core.audit, core.metrics, core.data_quality) and oversight's own tables.
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
    """The scheduled verification runs say the log verifies: the newest passed, within
    ``AUDIT_VERIFIED_WITHIN``, with every sealed entry anchored, and a whole run passed within
    ``AUDIT_WHOLE_VERIFIED_WITHIN``. It reads their records rather than verifying here: a whole
    run takes about an hour a year of national volume (inside a request, holding the action's
    lock) and needs the audit keyring, which the web tier may not have."""
    from waymark.core import rules
    from waymark.core.audit_verification import audit_verification_latest
    from waymark.core.jinja2 import govuk_datetime

    latest, whole = audit_verification_latest()
    now = clock.now()
    schedule = (
        "schedule `manage.py audit_verify --since <yesterday>` daily and `manage.py "
        "audit_verify` monthly (docs/deployment.md, Audit log)"
    )
    if latest is None:
        return EvidenceResult(FAILED, f"The audit log has not been verified yet: {schedule}")
    when = govuk_datetime(latest.finished_at)
    if not latest.ok:
        return EvidenceResult(FAILED, f"The last verification ({when}) failed: {latest.problem}")
    if not latest.anchored:
        return EvidenceResult(
            FAILED,
            f"The last verification ({when}) found entries #{latest.unanchored_from}-"
            f"#{latest.unanchored_to} sealed but not anchored by a signed checkpoint",
        )
    if now - latest.finished_at > rules.AUDIT_VERIFIED_WITHIN:
        hours = rules.AUDIT_VERIFIED_WITHIN.total_seconds() / 3600
        return EvidenceResult(
            FAILED, f"The audit log was last verified {when}, more than {hours:.0f} hours ago"
        )
    if whole is None or not whole.ok or now - whole.finished_at > rules.AUDIT_WHOLE_VERIFIED_WITHIN:
        days = rules.AUDIT_WHOLE_VERIFIED_WITHIN.days
        return EvidenceResult(
            FAILED, f"No verification of the whole audit log passed in the last {days} days"
        )
    return EvidenceResult(
        PASSED,
        f"The audit log verifies: the whole log ({whole.checked:,} sealed entries) on "
        f"{govuk_datetime(whole.finished_at)}, the newest entries on {when}",
    )


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


def _guidance_version_approved(slug: str) -> EvidenceResult:
    """The version of the named page in force today is approved (not a draft, not "published,
    second check owed", not withdrawn)."""
    from waymark.guidance import selectors as guidance

    slug = (slug or "").strip()
    if not slug:
        return EvidenceResult(FAILED, "No guidance page is named")
    version = guidance.guidance_version_in_force(slug)
    if version is None:
        return EvidenceResult(FAILED, f"No version of {slug!r} is in force today")
    if version.state != "approved":
        return EvidenceResult(
            FAILED,
            f"Version {version.version} of {slug!r} is in force but is "
            f"{version.get_state_display().lower()}, not approved",
        )
    return EvidenceResult(PASSED, f"Version {version.version} of {slug!r} is approved and in force")


def _sampling_rule_in_force(name: str) -> EvidenceResult:
    """An active quality-assurance sampling rule of that name (or for that kind of work) exists
    and has drawn a sample within the last ``rules.EVIDENCE_SAMPLING_DRAWN_WITHIN_DAYS`` days."""
    from datetime import timedelta

    from waymark.oversight import rules
    from waymark.oversight.models import SamplingRule

    name = (name or "").strip()
    if not name:
        return EvidenceResult(FAILED, "No sampling rule is named")
    found = [
        r
        for r in SamplingRule.objects.filter(is_active=True)
        if name.casefold() in (r.name.casefold(), r.kind_key.casefold())
    ]
    if not found:
        return EvidenceResult(FAILED, f"No active sampling rule is called {name!r}")
    since = clock.today() - timedelta(days=rules.EVIDENCE_SAMPLING_DRAWN_WITHIN_DAYS)
    for rule in found:
        last = rule.draws.order_by("-period_start").first()
        if last is not None and last.period_start >= since.replace(day=1):
            return EvidenceResult(
                PASSED,
                f"Sampling rule {rule.name!r} is active and drew a sample for "
                f"{last.period_start:%B %Y}",
            )
    return EvidenceResult(
        FAILED,
        f"Sampling rule {found[0].name!r} is active but has drawn nothing in the last "
        f"{rules.EVIDENCE_SAMPLING_DRAWN_WITHIN_DAYS} days",
    )


def _figure_moved(parameter: str) -> EvidenceResult:
    """``<metric key> <target>``: the figure's current value has reached the target in its better
    direction (at or above it when higher is better, at or below it otherwise)."""
    from waymark.core.metrics import metric

    key, _, target_text = (parameter or "").strip().partition(" ")
    if not key or not target_text.strip():
        return EvidenceResult(FAILED, "Name the figure and its target, e.g. 'operations.x 10'")
    try:
        target = float(target_text.strip().rstrip("%"))
    except ValueError:
        return EvidenceResult(FAILED, f"{target_text.strip()!r} is not a number")
    try:
        figure = metric(key)
    except KeyError:
        return EvidenceResult(FAILED, f"There is no figure called {key!r}")
    if figure.higher_is_better is None:
        return EvidenceResult(FAILED, f"{figure.name!r} has no better direction to move in")
    value = figure.value()
    if value is None:
        return EvidenceResult(FAILED, f"{figure.name!r} has no value now")
    reached = value >= target if figure.higher_is_better else value <= target
    word = "at or above" if figure.higher_is_better else "at or below"
    detail = f"{figure.name!r} is {value:g} now; the target is {word} {target:g}"
    return EvidenceResult(PASSED if reached else FAILED, detail)


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
            _guidance_version_approved,
        ),
        EvidenceCheck(
            "sampling_rule_in_force",
            "A quality-assurance sampling rule is in force",
            "Sampling rule name (or its kind of work)",
            _sampling_rule_in_force,
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
            "Figure key and target (e.g. 'operations.overdue_closure 0')",
            _figure_moved,
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
