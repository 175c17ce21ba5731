"""Work management's numbered rules, each in one place (brief platform §2).

Deadlines are computed by *named* rules. A rule is either a number of calendar hours (e.g. 72 hours
from an immigration judge's bail grant, 000 §5.9) or a number of UK working days counted with the
bank holidays of the queue team's nation (e.g. 5 working days for a general enquiry, 000 §5.85).
The rule's name and the inputs it used are stored on the task, so anyone can see why a task is due
when it is. Modules register their own rules with ``register_deadline_rule`` from
``registrations.py``. ``tests/test_rules.py`` pins every number here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from waymark.core import calendars
from waymark.core.clock import LONDON

# 000 §5.85: general enquiries are answered within 5 working days.
GENERAL_ENQUIRY_WORKING_DAYS = 5
DEADLINE_RULE_GENERAL_ENQUIRY = "general_enquiry"

# A task no rule gives a priority to has standard priority (higher numbers are more urgent; a
# module's priority rule or the caller sets another, with its reason).
DEFAULT_PRIORITY = 0

# "Get next" tries to claim a task this many times when someone else claimed the one it chose
# between the read and the conditional update, before answering that there is nothing to take.
GET_NEXT_ATTEMPTS = 5

# A task is "at risk" when its deadline falls within this window: one working day's notice is
# the least a team leader needs to move the work (brief platform §2 "see what is at risk").
AT_RISK_WINDOW = timedelta(hours=24)
# The throughput and timeliness figures' default period (metric registry): the last 30 days,
# today included, as oversight's performance page defaults to.
THROUGHPUT_DEFAULT_DAYS = 30

# Age bands for the backlog, in calendar days since the task was created (brief platform §2
# "counts by ... age band"). Calendar days rather than working days so that the database can band
# the whole backlog in one aggregate query; a task 21+ days old is past every working-day standard
# in the brief (the longest, 14 days for a pre-action letter, is 10 working days).
# (key, label, lowest age in days, highest age in days or None for no upper bound)
AGE_BANDS: list[tuple[str, str, int, int | None]] = [
    ("0-2", "0 to 2 days", 0, 2),
    ("3-5", "3 to 5 days", 3, 5),
    ("6-10", "6 to 10 days", 6, 10),
    ("11-20", "11 to 20 days", 11, 20),
    ("21+", "21 days or more", 21, None),
]
AGE_BAND_LABELS = {key: label for key, label, _, _ in AGE_BANDS}

# Deadline states shown on queues and counted on the backlog page.
OVERDUE, AT_RISK, ON_TIME, NO_DEADLINE = "overdue", "at_risk", "on_time", "no_deadline"
DEADLINE_STATES: list[tuple[str, str]] = [
    (OVERDUE, "Overdue"),
    (AT_RISK, "At risk"),
    (ON_TIME, "On time"),
    (NO_DEADLINE, "No deadline"),
]
DEADLINE_STATE_LABELS = dict(DEADLINE_STATES)


def deadline_state(due_at: datetime | None, now: datetime) -> str:
    """Overdue, at risk (due within ``AT_RISK_WINDOW``), on time, or no deadline."""
    if due_at is None:
        return NO_DEADLINE
    if due_at < now:
        return OVERDUE
    if due_at < now + AT_RISK_WINDOW:
        return AT_RISK
    return ON_TIME


def age_band(created_at: datetime, now: datetime) -> str:
    days = (now - created_at).days
    for key, _label, low, high in AGE_BANDS:
        if days >= low and (high is None or days <= high):
            return key
    return AGE_BANDS[0][0]  # created in the future (clock set back in a demo): the youngest band


class DeadlineRule(Protocol):
    @property
    def kind(self) -> str: ...

    def compute(self, start: datetime, nation: str) -> tuple[datetime, dict[str, Any]]: ...


@dataclass(frozen=True)
class CalendarHours:
    """Due a fixed number of hours after the start, whatever the day (e.g. 72 hours, 000 §5.9)."""

    hours: int
    kind: str = "calendar_hours"

    def compute(self, start: datetime, nation: str) -> tuple[datetime, dict[str, Any]]:
        return start + timedelta(hours=self.hours), {"hours": self.hours}


@dataclass(frozen=True)
class WorkingDays:
    """Due at the end of the N-th working day after the start, skipping weekends and the bank
    holidays of ``nation`` (``waymark.core.calendars``)."""

    days: int
    kind: str = "working_days"

    def compute(self, start: datetime, nation: str) -> tuple[datetime, dict[str, Any]]:
        due = calendars.add_working_days(start, self.days, nation)
        first = start.astimezone(LONDON).date()
        last = due.astimezone(LONDON).date()
        skipped = [
            day.isoformat()
            for day in _days_between(first, last)
            if day.weekday() < 5 and not calendars.is_working_day(day, nation)
        ]
        return due, {"days": self.days, "bank_holidays_skipped": skipped}


def _days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range(1, (last - first).days + 1)]


_RULES: dict[str, DeadlineRule] = {}


def register_deadline_rule(name: str, rule: DeadlineRule) -> None:
    """Register a named rule. Registering the same rule again is harmless; a different rule under a
    name already taken is a mistake and raises ``ValueError``."""
    existing = _RULES.get(name)
    if existing is not None and existing != rule:
        raise ValueError(f"Deadline rule {name!r} is already registered as {existing!r}")
    _RULES[name] = rule


def get_deadline_rule(name: str) -> DeadlineRule:
    try:
        return _RULES[name]
    except KeyError:
        raise KeyError(f"No deadline rule named {name!r}") from None


def deadline_rules() -> dict[str, DeadlineRule]:
    return dict(_RULES)


def deadline_compute(
    rule_name: str, start: datetime, nation: str
) -> tuple[datetime, dict[str, Any]]:
    """``(due_at, inputs)``: the inputs are stored on the task (``Task.deadline_inputs``)."""
    if nation not in calendars.NATIONS:
        raise ValueError(f"Unknown nation {nation!r}")
    rule = get_deadline_rule(rule_name)
    due, details = rule.compute(start, nation)
    inputs = {"rule": rule_name, "kind": rule.kind, "start": start.isoformat(), "nation": nation}
    inputs.update(details)
    return due, inputs


def deadline_describe(inputs: dict[str, Any]) -> str:
    """Plain English for the task page, from the stored inputs alone (so it stays true even if a
    rule is changed later): "Due 5 working days after 3 March 2026 (England and Wales bank
    holidays)"."""
    if not inputs or "start" not in inputs:
        return "No deadline rule"
    start = datetime.fromisoformat(inputs["start"]).astimezone(LONDON)
    start_text = f"{start.day} {start:%B %Y}"
    if inputs.get("kind") == "working_days":
        days = inputs.get("days")
        unit = "working day" if days == 1 else "working days"
        nation = calendars.NATIONS.get(inputs.get("nation", ""), (inputs.get("nation", ""),))[0]
        text = f"Due {days} {unit} after {start_text} ({nation} bank holidays)"
        skipped = inputs.get("bank_holidays_skipped") or []
        if skipped:
            names = ", ".join(
                f"{date.fromisoformat(day).day} {date.fromisoformat(day):%B}" for day in skipped
            )
            text += f"; bank holidays skipped: {names}"
        return text
    if inputs.get("kind") == "calendar_hours":
        hour = start.hour % 12 or 12
        clock_text = f"{hour}:{start.minute:02d}{'am' if start.hour < 12 else 'pm'}"
        return f"Due {inputs.get('hours')} hours after {start_text}, {clock_text}"
    return f"Due under rule {inputs.get('rule', '')}"


# Shared rules every module may name instead of registering its own copy.
DEADLINE_NEXT_WORKING_DAY = "next_working_day"  # by the end of the next working day
DEADLINE_AT_START = "at_start"  # the start is the deadline (a review date, a court deadline)

register_deadline_rule(DEADLINE_RULE_GENERAL_ENQUIRY, WorkingDays(GENERAL_ENQUIRY_WORKING_DAYS))
register_deadline_rule(DEADLINE_NEXT_WORKING_DAY, WorkingDays(1))
register_deadline_rule(DEADLINE_AT_START, CalendarHours(0))


# ------------------------------------------------------------------------------------------------
# Competence that gates work (issue 20 item 2; docs/decisions/0016-competence-gate.md)

# The longest a sign-off may last before it must be renewed: a competence is tested again at
# least every two years (002 rec 2a: trainers' "performance is periodically monitored").
COMPETENCE_MAX_VALID_DAYS = 730
# When no refresher date is given, the refresher falls due this many days before expiry, so there
# is time to book and pass it before the competence lapses and its work stops being given.
COMPETENCE_REFRESHER_LEAD_DAYS = 60
# The competence an assessor must hold to sign off anyone else's (002 rec 2a: trainers and
# assessors "signed off as competent to deliver training").
COMPETENCE_ASSESSOR = "competence_assessor"
