"""The casework figures' read model (issue 17 item 4): rebuild ``CaseworkFigureFact``.

One GROUP BY per figure, over the definitions of ``selectors.figures.mi_figures`` (the live
computation, which the tests hold these rows to).

The figures that change with the date alone are dated rows, so the page computes them "as of
today" with a range query over a few rows rather than over the records:

- a state a record enters on a known day and keeps: one row per start day (``day``, open
  ``until``): a case is flagged from ``out_of_contact_since`` + its band's limit, a review is
  overdue from the day after it is due;
- a state held for a known stretch: ``day``..``until``: a review is "due within 14 days" from 14
  days before its due date to that date, an open barrier is in each age band for that band's span
  of days after it started;
- the reporting population (a case counts while any of its person's restrictions is in force, an
  overlap of intervals): counted for the rebuild's date and the next one (a row each), which covers
  every date the rows can be read on, as they are never read more than 60 seconds old.

The headline figures the metric registry shows (``registrations.py``) carry the team owning the
person in ``team_id``, and finalised case preparations and decided further submissions are dated
rows, so oversight's dashboards count them for one team and over a period
(``selectors.figures_read_model.figure_value``).

Only the charter table (a handful of charters, each its own summary) is still read live.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Case as Cases
from django.db.models import CharField, Count, F, Value, When
from django.db.models.functions import ExtractYear, TruncDate

from waymark.accounts.models import Team
from waymark.casework import rules
from waymark.casework.models import (
    AbsconderDeclaration,
    Barrier,
    Case,
    CasePreparation,
    CaseReview,
    CaseworkFigureFact,
    ContactStep,
    DetentionRequest,
    EtdApplication,
    FurtherSubmission,
    RemovalDirection,
    Reoffence,
    ReportingEvent,
    ReportingRestriction,
    TraceReferral,
    VoluntaryReturnOffer,
)
from waymark.casework.selectors.access import cases_with_band
from waymark.casework.selectors.barriers import AGE_BANDS
from waymark.casework.selectors.figures import nationality_counts
from waymark.casework.workflows import CaseStatus, RemovalStatus
from waymark.core import clock
from waymark.core.read_models import facts_grouped, facts_replace
from waymark.people.models import Person

READ_MODEL = "casework.figures"
TEAM = "person__owning_team_id"  # the team a figure's record counts for (figure 1's team)


def figures_read_model_rebuild(as_of: datetime) -> int:
    """Rewrite every summary row of the casework figures (in the caller's transaction:
    ``core.read_models.read_model_refresh``)."""
    today = as_of.astimezone(clock.LONDON).date()
    rows: list[dict[str, Any]] = _case_rows(today)
    rows += facts_grouped(
        RemovalDirection.objects.exclude(status=RemovalStatus.CANCELLED),
        measure="removal",
        day=F("planned_for"),
        k1=F("status"),
        k2=F("failure_reason"),
    )
    rows += facts_grouped(
        DetentionRequest.objects.all(),
        measure="detention_request",
        k1=F("decision"),
        k2=F("rejection_reason"),
    )
    rows += facts_grouped(
        EtdApplication.objects.all(), measure="etd", k1=F("country"), k2=F("status")
    )
    rows += facts_grouped(
        VoluntaryReturnOffer.objects.all(), measure="voluntary_return", k1=F("outcome")
    )
    rows += _dated_rows(today)
    rows += _current_rows()
    return facts_replace(CaseworkFigureFact, rows)


def _case_rows(today: date) -> list[dict]:
    """The figures counted over open cases, in one pass over the cases and their people (at x100,
    8.5 million cases, they were seven statements, each a scan, 32 s of a 41 s rebuild): open
    cases by team name and band, non-detained and absconders by team, the reporting population
    on ``today`` and the next day by team (the definition of ``selectors.figures
    .reporting_population``: not detained, not an absconder, a restriction in force that day),
    and reoffending by release address type (a case is one person's, so cases count people)."""
    q = connection.ops.quote_name
    tomorrow = today + timedelta(days=1)
    in_force = "r.{s} <= %s AND (r.{e} IS NULL OR r.{e} >= %s)".format(
        s=q("starts_on"), e=q("ends_on")
    )
    pid, team_col = q("person_id"), q(Person._meta.get_field("owning_team").column)
    statement = (
        f"WITH r AS (SELECT r.{pid} AS pid, "  # noqa: S608 - table and column names
        f"MAX(CASE WHEN {in_force} THEN 1 ELSE 0 END) AS in0, "
        f"MAX(CASE WHEN {in_force} THEN 1 ELSE 0 END) AS in1 "
        f"FROM {q(ReportingRestriction._meta.db_table)} r "
        f"WHERE r.{q('starts_on')} <= %s AND (r.{q('ends_on')} IS NULL OR r.{q('ends_on')} >= %s) "
        f"GROUP BY r.{pid}), "
        f"o AS (SELECT DISTINCT {pid} AS pid FROM {q(Reoffence._meta.db_table)}) "
        f"SELECT p.{team_col}, COALESCE(c.{q('band_override')}, c.{q('computed_band')}), "
        f"p.{q('no_fixed_abode')}, COUNT(*), "
        f"SUM(CASE WHEN NOT c.{q('detained')} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN NOT c.{q('detained')} AND c.{q('absconder_since')} IS NOT NULL "
        "THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN NOT c.{q('detained')} AND c.{q('absconder_since')} IS NULL "
        "AND r.in0 = 1 THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN NOT c.{q('detained')} AND c.{q('absconder_since')} IS NULL "
        "AND r.in1 = 1 THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN NOT c.{q('detained')} AND o.pid IS NOT NULL THEN 1 ELSE 0 END) "
        f"FROM {q(Case._meta.db_table)} c "
        f"JOIN {q(Person._meta.db_table)} p ON p.{q('id')} = c.{pid} "
        f"LEFT JOIN r ON r.pid = c.{pid} LEFT JOIN o ON o.pid = c.{pid} "
        f"WHERE c.{q('status')} = %s GROUP BY 1, 2, 3"
    )
    params: list[Any] = [today, today, tomorrow, tomorrow, tomorrow, today, CaseStatus.OPEN.value]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchall()
    names = dict(Team.objects.values_list("pk", "name"))
    open_case: Counter = Counter()
    by_team: dict[str, Counter] = {
        m: Counter() for m in ("non_detained", "absconders", "rp0", "rp1")
    }
    reoffending: Counter = Counter()
    for team, band, nfa, n, nd, absconded, rp0, rp1, again in found:
        open_case[(names.get(team, ""), band)] += n
        for measure, value in (
            ("non_detained", nd),
            ("absconders", absconded),
            ("rp0", rp0),
            ("rp1", rp1),
        ):
            by_team[measure][team] += value or 0
        reoffending[(int(bool(nfa)), "people")] += nd or 0
        reoffending[(int(bool(nfa)), "reoffended")] += again or 0
    rows = [_row("open_case", n, k1=name, k2=band) for (name, band), n in open_case.items()]
    for measure in ("non_detained", "absconders"):
        rows += _with_everyone(
            [_row(measure, n, team=team) for team, n in by_team[measure].items() if n]
        )
    for key, day in (("rp0", today), ("rp1", tomorrow)):
        until = day + timedelta(days=1)
        rows += _with_everyone(
            [
                _row("reporting_population", n, day=day, until=until, team=team)
                for team, n in by_team[key].items()
                if n
            ]
        )
    rows += [
        _row("reoffending", reoffending[(nfa, kind)], k1=nfa, k2=kind)
        for nfa in (0, 1)
        for kind in ("people", "reoffended")
    ]
    return rows


def _row(
    measure: str, n: int, *, day=None, until=None, team=None, k1: Any = "", k2: Any = ""
) -> dict:
    return {
        "measure": measure,
        "day": day,
        "until": until,
        "team_id": team,
        "k1": "" if k1 is None else str(k1),
        "k2": "" if k2 is None else str(k2),
        "n": n,
    }


def _with_everyone(team_rows: list[dict]) -> list[dict]:
    """Per-team rows renamed ``<measure>_team`` (the registry's team figures read them), and the
    same counts added up for everyone under the measure's own name (what the page reads: one row
    where it would otherwise read one a team)."""
    everyone: Counter = Counter()
    out = []
    for row in team_rows:
        out.append({**row, "measure": f"{row['measure']}_team"})
        everyone[(row["measure"], row["day"], row["until"], row["k1"], row["k2"])] += row["n"]
    out += [
        _row(measure, n, day=day, until=until, k1=k1, k2=k2)
        for (measure, day, until, k1, k2), n in everyone.items()
    ]
    return out


def _distribution(measure: str, values) -> list[dict]:
    """A row per distinct value (``k1``) with how many records have it (for medians)."""
    return [_row(measure, n, k1=v) for v, n in Counter(v for v in values if v is not None).items()]


def _dated_rows(today: date) -> list[dict]:
    """The figures that move with the date (see the module's docstring)."""
    rows: list[dict] = []
    out_of_contact = cases_with_band(
        Case.objects.filter(
            status=CaseStatus.OPEN, out_of_contact_since__isnull=False, absconder_since__isnull=True
        )
    ).order_by()
    # ``effective_band`` is the annotation cases_with_band adds; the stubs see only the model.
    by_band = out_of_contact.values_list("out_of_contact_since", "effective_band", TEAM)  # type: ignore[misc]
    # The page reads one row a day for everyone; the registry's team figures read the same rows
    # per team under ``<measure>_team`` (``_with_everyone``).
    flagged: Counter = Counter()
    for since, band, team, n in by_band.annotate(n=Count("pk")):
        day = since + timedelta(days=rules.absconder_limit_days(band))
        flagged[(day, None, team)] += n
    reviews: Counter = Counter()
    for due_on, team, n in (
        CaseReview.objects.filter(completed_at__isnull=True)
        .order_by()
        .values_list("due_on", TEAM)
        .annotate(n=Count("pk"))
    ):
        reviews[(due_on, team)] += n
    due_14: Counter = Counter()
    overdue: Counter = Counter()
    for (due_on, team), n in reviews.items():
        due_14[(due_on - timedelta(days=14), due_on + timedelta(1), team)] += n
        overdue[(due_on + timedelta(days=1), None, team)] += n
    for measure, counts in (
        ("flagged", flagged),
        ("review_due_14", due_14),
        ("review_overdue", overdue),
    ):
        rows += _with_everyone(
            [
                _row(measure, n, day=day, until=until, team=team)
                for (day, until, team), n in counts.items()
            ]
        )
    barriers = (
        Barrier.objects.filter(cleared_on__isnull=True)
        .order_by()
        .values_list("barrier_type", "started_on")
        .annotate(n=Count("pk"))
    )
    for barrier_type, started_on, n in barriers:
        for low, high, label in AGE_BANDS:
            until = None if high is None else started_on + timedelta(days=high)
            rows.append(
                _row(
                    "barrier",
                    n,
                    day=started_on + timedelta(days=low),
                    until=until,
                    k1=barrier_type,
                    k2=label,
                )
            )
    # Missed events and contact steps by day: the page sums the weeks it shows.
    rows += facts_grouped(
        ReportingEvent.objects.filter(outcome="no_show"), measure="missed", day=F("due_on")
    )
    rows += facts_grouped(
        ContactStep.objects.filter(done_at__isnull=False),
        measure="contact_step",
        day=TruncDate("done_at", tzinfo=clock.LONDON),
        k1=F("step"),
    )
    return rows


def _current_rows() -> list[dict]:
    """The figures that change only when records do."""
    open_cases = cases_with_band(Case.objects.filter(status=CaseStatus.OPEN))
    non_detained = open_cases.filter(detained=False)
    rows: list[dict] = []
    consecutive = Counter(
        min(n, 5)
        for n in non_detained.filter(consecutive_missed__gt=0).values_list(
            "consecutive_missed", flat=True
        )
    )
    rows += [_row("consecutive", n, k1=k) for k, n in consecutive.items()]
    rows += facts_grouped(
        TraceReferral.objects.all(),
        measure="trace_referred",
        k1=ExtractYear("referred_at", tzinfo=UTC),
    )
    rows += facts_grouped(
        TraceReferral.objects.filter(outcome__startswith="located", outcome_at__isnull=False),
        measure="trace_located",
        k1=ExtractYear("outcome_at", tzinfo=UTC),
    )
    rows += facts_grouped(
        AbsconderDeclaration.objects.all(),
        measure="absconder_declared",
        k1=ExtractYear("declared_at", tzinfo=UTC),
    )
    rows += _distribution(
        "locate_days",
        (
            TraceReferral(outcome=o, outcome_at=at, referred_at=r).days_to_locate
            for o, at, r in TraceReferral.objects.filter(outcome__startswith="located").values_list(
                "outcome", "outcome_at", "referred_at"
            )
        ),
    )
    rows += _distribution(
        "prep_days",
        (
            CasePreparation(started_on=s, finalised_on=f).days_taken
            for s, f in CasePreparation.objects.filter(finalised_on__isnull=False).values_list(
                "started_on", "finalised_on"
            )
        ),
    )
    # Finalised preparations and decided further submissions by day and team, ``k1`` 1 when
    # on time: the registry's figures are counted over any period and team from these.
    prep_done: Counter = Counter()
    for started, finalised, team in CasePreparation.objects.filter(
        finalised_on__isnull=False
    ).values_list("started_on", "finalised_on", TEAM):
        on_time = (finalised - started).days <= rules.CASE_PREP_TOTAL_WEEKS * 7  # days_taken
        prep_done[(finalised, team, int(on_time))] += 1
    rows += [
        _row("prep_done", n, day=day, team=team, k1=on_time)
        for (day, team, on_time), n in prep_done.items()
    ]
    rows += facts_grouped(
        FurtherSubmission.objects.filter(decided_on__isnull=False),
        measure="further_done",
        day=F("decided_on"),
        team=F(TEAM),
        k1=Cases(
            When(decided_on__lte=F("decision_due_on"), then=Value("1")),
            default=Value("0"),
            output_field=CharField(),
        ),
    )
    groups, absconders, detention = nationality_counts(non_detained)
    rows += [_row("nat_people", n, k1=c) for c, n in groups.items()]
    rows += [_row("nat_absconders", n, k1=c) for c, n in absconders.items()]
    rows += [_row("nat_detention", n, k1=c, k2=d) for (c, d), n in detention.items()]
    return rows
