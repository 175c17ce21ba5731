"""The casework figures page's baseline: DuckDB computing **every** figure the page shows, from
an export of the same rows (issue 17, "EM figures, casework figures, operations measures vs DuckDB
on the same rows").

Until 6 December the baseline counted one figure (open cases by team and status), while the EM and
operations benches computed all of their page's aggregates; a page that shows twenty figures was
held to the time of one. Each query below is one figure of ``selectors.figures.mi_figures`` (its
definitions: the reporting population, the band's absconder limit, the London week, the financial
year from April, the first recorded nationality), so DuckDB does the work the page's numbers need.
The charter table (a handful of charters, read live by the page too) is left out.
"""

# ruff: noqa: S608  (the statements are built from the bench's own dates and rules, not input)
from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

from waymark.casework import rules

# name -> the rows exported (PostgreSQL), the columns each figure reads.
TABLES = {
    "cases": (
        "SELECT c.person_id, c.status, c.detained, COALESCE(c.band_override, c.computed_band)"
        " AS band, c.consecutive_missed, c.out_of_contact_since, c.absconder_since,"
        " t.name AS team, p.no_fixed_abode FROM casework_case c"
        " JOIN people_person p ON p.id = c.person_id"
        " LEFT JOIN accounts_team t ON t.id = p.owning_team_id"
    ),
    "restrictions": "SELECT person_id, starts_on, ends_on FROM casework_reportingrestriction",
    "events": "SELECT due_on, outcome FROM casework_reportingevent",
    "steps": "SELECT done_at, step FROM casework_contactstep",
    "referrals": "SELECT referred_at, outcome, outcome_at FROM casework_tracereferral",
    "declarations": "SELECT declared_at FROM casework_absconderdeclaration",
    "reviews": "SELECT due_on, completed_at FROM casework_casereview",
    "preparations": "SELECT started_on, finalised_on FROM casework_casepreparation",
    "removals": "SELECT planned_for, status, failure_reason FROM casework_removaldirection",
    "detention": "SELECT person_id, decision, rejection_reason FROM casework_detentionrequest",
    "etd": "SELECT country, status FROM casework_etdapplication",
    "returns": "SELECT outcome FROM casework_voluntaryreturnoffer",
    "further": "SELECT decided_on, decision_due_on FROM casework_furthersubmission",
    "reoffences": "SELECT person_id FROM casework_reoffence",
    "barriers": "SELECT barrier_type, started_on, cleared_on FROM casework_barrier",
    "nationalities": "SELECT id, person_id, country FROM people_personnationality",
}

TYPES = {
    "cases": {"out_of_contact_since": "DATE", "absconder_since": "DATE", "team": "VARCHAR"},
    "restrictions": {"starts_on": "DATE", "ends_on": "DATE"},
    "events": {"due_on": "DATE", "outcome": "VARCHAR"},
    "steps": {"done_at": "TIMESTAMPTZ", "step": "VARCHAR"},
    "referrals": {"referred_at": "TIMESTAMPTZ", "outcome": "VARCHAR", "outcome_at": "TIMESTAMPTZ"},
    "declarations": {"declared_at": "TIMESTAMPTZ"},
    "reviews": {"due_on": "DATE", "completed_at": "TIMESTAMPTZ"},
    "preparations": {"started_on": "DATE", "finalised_on": "DATE"},
    "removals": {"planned_for": "DATE", "status": "VARCHAR", "failure_reason": "VARCHAR"},
    "detention": {"decision": "VARCHAR", "rejection_reason": "VARCHAR"},
    "etd": {"country": "VARCHAR", "status": "VARCHAR"},
    "returns": {"outcome": "VARCHAR"},
    "further": {"decided_on": "DATE", "decision_due_on": "DATE"},
    "barriers": {"barrier_type": "VARCHAR", "started_on": "DATE", "cleared_on": "DATE"},
    "nationalities": {"country": "VARCHAR"},
}


def queries(today: date, weeks: int = 8) -> list[str]:
    """One statement a figure of the page, for ``today`` (London)."""
    d = f"DATE '{today.isoformat()}'"
    week_start = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    start = f"DATE '{week_start.isoformat()}'"
    limit = " ".join(f"WHEN {band} THEN {rules.absconder_limit_days(band)}" for band in rules.BANDS)
    open_nd = "status = 'open' AND NOT detained"
    first_nationality = (
        "SELECT person_id, arg_min(country, id) AS country FROM nationalities GROUP BY person_id"
    )
    return [
        # Figure 1: open cases by owning team and band.
        "SELECT coalesce(team, 'No owning team'), band, count(*) FROM cases"
        " WHERE status = 'open' GROUP BY ALL",
        # Non-detained, absconders, the reporting population.
        f"SELECT count(*), count(*) FILTER (WHERE absconder_since IS NOT NULL) FROM cases"
        f" WHERE {open_nd}",
        f"SELECT count(*) FROM cases c WHERE {open_nd} AND absconder_since IS NULL AND EXISTS"
        f" (SELECT 1 FROM restrictions r WHERE r.person_id = c.person_id AND r.starts_on <= {d}"
        f" AND (r.ends_on IS NULL OR r.ends_on >= {d}))",
        # Missed events a week, and the contact steps taken (London weeks).
        f"SELECT date_trunc('week', due_on), count(*) FROM events WHERE outcome = 'no_show'"
        f" AND due_on >= {start} GROUP BY 1",
        "SELECT date_trunc('week', CAST(timezone('Europe/London', done_at) AS DATE)), step,"
        f" count(*) FROM steps WHERE CAST(timezone('Europe/London', done_at) AS DATE) >= {start}"
        " GROUP BY ALL",
        # Consecutive missed events, 5 and over together.
        f"SELECT least(consecutive_missed, 5), count(*) FROM cases WHERE {open_nd}"
        " AND consecutive_missed > 0 GROUP BY 1",
        # Out of contact past the band's limit.
        f"SELECT count(*) FROM cases WHERE status = 'open' AND out_of_contact_since IS NOT NULL"
        f" AND absconder_since IS NULL AND out_of_contact_since <= {d} -"
        f" CAST(CASE band {limit} END AS INTEGER)",
        # Figure 9: declared, referred and located by year; the median days to locate.
        "SELECT year(declared_at AT TIME ZONE 'UTC'), count(*) FROM declarations GROUP BY 1",
        "SELECT year(referred_at AT TIME ZONE 'UTC'), count(*) FROM referrals GROUP BY 1",
        "SELECT year(outcome_at AT TIME ZONE 'UTC'), count(*) FROM referrals"
        " WHERE outcome LIKE 'located%' AND outcome_at IS NOT NULL GROUP BY 1",
        "SELECT quantile_disc(floor(epoch(outcome_at - referred_at) / 86400), 0.5) FROM referrals"
        " WHERE outcome IN ('located_detained', 'located_reporting') AND outcome_at IS NOT NULL",
        # Reviews due within 14 days and overdue.
        f"SELECT count(*) FILTER (WHERE due_on BETWEEN {d} AND {d} + 14),"
        f" count(*) FILTER (WHERE due_on < {d}) FROM reviews WHERE completed_at IS NULL",
        # Case preparation: finalised, on time, median days.
        f"SELECT count(*), count(*) FILTER (WHERE finalised_on - started_on <="
        f" {rules.CASE_PREP_TOTAL_WEEKS * 7}), quantile_disc(finalised_on - started_on, 0.5)"
        " FROM preparations WHERE finalised_on IS NOT NULL",
        # Open barriers by type and age band.
        f"SELECT barrier_type, CASE WHEN {d} - started_on < 30 THEN 0 WHEN {d} - started_on < 91"
        f" THEN 1 WHEN {d} - started_on < 365 THEN 2 ELSE 3 END, count(*) FROM barriers"
        " WHERE cleared_on IS NULL GROUP BY ALL",
        "SELECT country, status, count(*) FROM etd GROUP BY ALL",
        # Further submissions decided, and on time.
        "SELECT count(*), count(*) FILTER (WHERE decided_on <= decision_due_on) FROM further"
        " WHERE decided_on IS NOT NULL",
        # Figure 6: removals by financial year (from April) and status; figure 8: failure reasons.
        "SELECT CASE WHEN month(planned_for) >= 4 THEN year(planned_for)"
        " ELSE year(planned_for) - 1 END, status, count(*) FROM removals"
        " WHERE status <> 'cancelled' GROUP BY ALL",
        "SELECT failure_reason, count(*) FROM removals WHERE status = 'failed' GROUP BY 1",
        # Detention gatekeeping.
        "SELECT decision, rejection_reason, count(*) FROM detention GROUP BY ALL",
        # Reoffending by release address, over non-detained people.
        f"WITH nd AS (SELECT DISTINCT person_id, no_fixed_abode FROM cases WHERE {open_nd})"
        " SELECT no_fixed_abode, count(*), count(*) FILTER (WHERE person_id IN"
        " (SELECT person_id FROM reoffences)) FROM nd GROUP BY 1",
        # Disparity by first recorded nationality: people, absconders, detention decisions.
        f"WITH n AS ({first_nationality}), nd AS (SELECT DISTINCT c.person_id, n.country,"
        f" c.absconder_since IS NOT NULL AS absconder FROM cases c LEFT JOIN n USING (person_id)"
        f" WHERE {open_nd}) SELECT country, count(*), count(*) FILTER (WHERE absconder)"
        " FROM nd GROUP BY 1",
        f"WITH n AS ({first_nationality}), nd AS (SELECT DISTINCT person_id FROM cases"
        f" WHERE {open_nd}) SELECT n.country, d.decision, count(*) FROM detention d"
        " JOIN nd USING (person_id) LEFT JOIN n USING (person_id) GROUP BY ALL",
        "SELECT outcome, count(*) FROM returns GROUP BY 1",
    ]


def load(connection, duck, scratch: str = "/tmp") -> None:  # noqa: S108 - bench scratch files
    """Export each table's rows from PostgreSQL (COPY, CSV) and read them into ``duck``."""
    for name, select in TABLES.items():
        path = Path(scratch) / f"waymark-bench-cw-{name}.csv"
        export = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)"
        with (
            connection.cursor() as cursor,
            path.open("wb") as out,
            cursor.cursor.copy(export) as copy,
        ):
            for data in copy:
                out.write(data)
        # An empty table's columns would be read as text: name every id's type too.
        types = {
            **TYPES.get(name, {}),
            **({"person_id": "BIGINT"} if "person_id" in select else {}),
        }
        typed = f", types={types!r}" if types else ""
        duck.execute(
            f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM '
            f"read_csv('{path}', header=true{typed})"
        )


def timed(duck, today: date, n: int) -> list[float]:
    """Seconds for each of ``n`` runs of every figure's statement."""
    statements = queries(today)
    times = []
    for _ in range(n):
        began = time.perf_counter()
        for statement in statements:
            duck.execute(statement).fetchall()
        times.append(time.perf_counter() - began)
    return times


def agreement(duck, today: date, live: dict) -> list[str]:
    """The headline figures on which DuckDB's statements and the live definitions
    (``selectors.figures.mi_figures``) disagree: empty when the baseline computes the same figures."""
    statements = queries(today)

    def one(i: int) -> tuple:
        return duck.execute(statements[i]).fetchone() or ()

    figure_1_total = sum(row[2] for row in duck.execute(statements[0]).fetchall())
    non_detained, absconders = one(1)
    due_14, overdue = one(11)
    prep_finalised, prep_on_time, _median = one(12)
    further_decided, further_on_time = one(15)
    pairs = {
        "figure_1_total": figure_1_total,
        "non_detained": non_detained,
        "absconders": absconders,
        "reporting_population": one(2)[0],
        "flagged": one(6)[0],
        "reviews_due_14": due_14,
        "reviews_overdue": overdue,
        "prep_finalised": prep_finalised,
        "prep_on_time": prep_on_time,
        "further_decided": further_decided,
        "further_on_time": further_on_time,
    }
    return [f"{k}: {v} vs {live[k]}" for k, v in pairs.items() if v != live[k]]
