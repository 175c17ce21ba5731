"""One operations benchmark part in its own Django process (called by bench/operations.py)."""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
import types
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import harness  # bench/harness.py (the script's folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from waymark.core import clock  # noqa: E402
from waymark.operations import rules  # noqa: E402

ANCHOR = datetime.fromisoformat("2026-11-20T09:00:00+00:00")  # a Friday morning
VISITS_X1 = rules.DEMO_VISITS_PER_YEAR  # 3,796 visits a year (003 §5.27)
TEAMS_X1 = 20  # ICE teams
OFFICERS_PER_TEAM = 20  # 400 officers at x1 (003 §6.14-6.16: teams of 16-35, 6-12 on a visit)
PREMISES_PER_VISIT = 0.7  # some premises are visited more than once (premises history)
NATIONALITIES = ["IND", "BGD", "PAK", "CHN", "ALB", "VNM", "NGA", "BRA", "TUR", "ROU", "EGY", "GBR"]
BENCH_OFFICERS = 12  # on the benchmarked field visit (003 §6.16: between six and 12)
BENCH_ENTRIES = 60
BENCH_HISTORY = 6  # earlier visits to the benchmarked premises, each with a debrief


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def mark(marker: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_marker (value varchar(100))")
        cursor.execute("DELETE FROM bench_marker")
        cursor.execute("INSERT INTO bench_marker (value) VALUES (%s)", [marker])


def url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return None


# ------------------------------------------------------------------------------------------------
# COPY rows into a model's table. Every concrete column gets a value: the row's, else the field's
# default, so a column added by another helper later does not break the loader.


class Copier:
    def __init__(self, model):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.table = model._meta.db_table
        # Ids are handed out here (read once now: no query may run while a COPY is open).
        self.next_id = (scalar(f'SELECT coalesce(max(id), 0) FROM "{self.table}"') or 0) + 1  # noqa: S608
        self.rows = 0

    def _default(self, field):
        from django.db import models

        if field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        elif isinstance(field, models.CharField | models.TextField):
            value = ""
        elif isinstance(field, models.BooleanField):
            value = False
        else:
            raise ValueError(f"{self.table}.{field.column} needs a value in the bench loader")
        return value

    def id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def copy(self, rows) -> int:
        from django.db import models

        columns = [f.column for f in self.fields]
        json_cols = {i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)}
        defaults = {}
        count = 0
        cols = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f'COPY "{self.table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    values = []
                    for i, field in enumerate(self.fields):
                        if field.attname in row:
                            value = row[field.attname]
                        else:
                            if field.attname not in defaults:
                                defaults[field.attname] = self._default(field)
                            value = defaults[field.attname]
                        if i in json_cols:
                            value = json.dumps(value)
                        values.append(value)
                    copy.write_row(values)
                    count += 1
        self.rows += count
        return count

    def reset_sequence(self) -> None:
        sql(
            f"SELECT setval(pg_get_serial_sequence('\"{self.table}\"', 'id'), "  # noqa: S608
            f'(SELECT coalesce(max(id), 1) FROM "{self.table}"))'
        )


# ------------------------------------------------------------------------------------------------
# Load (once per database; the driver marks it so it is reused)


def sizes(scale: float) -> dict[str, int]:
    visits = max(20, round(VISITS_X1 * scale))
    teams = max(2, round(TEAMS_X1 * scale))
    return {
        "visits": visits,
        "teams": teams,
        "officers": teams * OFFICERS_PER_TEAM,
        "premises": max(10, round(visits * PREMISES_PER_VISIT)),
    }


def _user_make(username: str, role: str, team, grade: str):
    from django.contrib.auth.models import Group

    from waymark.accounts.models import User
    from waymark.operations.models import OfficerProfile

    user = User.objects.create(
        username=username, first_name="Bench", last_name=username, is_active=True, grade=grade
    )
    user.set_unusable_password()
    user.save()
    if team is not None:
        user.teams.add(team)
    user.groups.add(Group.objects.get(name=role))
    OfficerProfile.objects.create(user=user, arrest_trained=True, collar_number=username[-6:])
    return user


def part_load(args: dict) -> dict:
    from django.contrib.auth.models import Group

    from waymark.accounts.models import Team, User
    from waymark.accounts.services import roles_sync
    from waymark.operations import models as m

    call_command("migrate", verbosity=0, interactive=False)
    roles_sync()
    began = time.perf_counter()
    scale = float(args["scale"])
    n = sizes(scale)
    now = ANCHOR
    sectors = list(m.Sector.objects.order_by("pk").values_list("pk", flat=True))
    forces = list(m.PoliceForce.objects.order_by("pk").values_list("pk", flat=True))
    if not sectors:
        sectors = [m.Sector.objects.create(key="bench", name="Bench sector").pk]
    # Teams and officers.
    teams = [
        Team(
            slug=f"ice-bench-{i:04d}",
            name=f"ICE bench team {i}",
            unit="Immigration Compliance and Enforcement",
        )
        for i in range(n["teams"])
    ]
    Team.objects.bulk_create(teams)
    teams = list(Team.objects.filter(slug__startswith="ice-bench-").order_by("slug"))
    unusable = "!"  # an unusable password: bench officers never sign in with one
    officers = [
        User(
            username=f"bench-ice-{i:06d}",
            first_name="Officer",
            last_name=f"{i:06d}",
            grade="EO",
            password=unusable,
            is_active=True,
        )
        for i in range(n["officers"])
    ]
    User.objects.bulk_create(officers, batch_size=2000)
    officer_ids = list(
        User.objects.filter(username__startswith="bench-ice-")
        .order_by("username")
        .values_list("pk", flat=True)
    )
    through = User.teams.through
    through.objects.bulk_create(
        [
            through(user_id=uid, team_id=teams[i // OFFICERS_PER_TEAM].pk)
            for i, uid in enumerate(officer_ids)
        ],
        batch_size=5000,
    )
    group = Group.objects.get(name="field_officer")
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=uid, group_id=group.pk) for uid in officer_ids],
        batch_size=5000,
    )
    team_officers = {
        t.pk: officer_ids[i * OFFICERS_PER_TEAM : (i + 1) * OFFICERS_PER_TEAM]
        for i, t in enumerate(teams)
    }
    # Premises.
    pc = Copier(m.Premises)
    premises_ids = []

    def premises_rows():
        for i in range(n["premises"]):
            pk = pc.id()
            premises_ids.append(pk)
            licensed = i % 4 == 0
            yield {
                "id": pk,
                "business_name": f"Bench business {i}",
                "address_line_1": f"{i} Bench Street",
                "town": f"Town {i % 97}",
                "postcode": f"BN{i % 90} {i % 9}AB",
                "sector_id": sectors[i % len(sectors)],
                "licensed": licensed,
                "licence_reference": f"LIC-{i}" if licensed else "",
                "police_force_id": forces[i % len(forces)] if forces else None,
                "latitude": 51.0 + (i % 1000) / 1000,
                "longitude": -1.0 + (i % 700) / 1000,
                "notes": "",
                "created_at": now - timedelta(days=800),
            }

    pc.copy(premises_rows())
    # Visits over the year before the anchor; the last few days still deployed, some planned ahead.
    rating_total = sum(rules.DEMO_RATING_COUNTS.values())
    rating_cut = []
    acc = 0
    for rating, count in rules.DEMO_RATING_COUNTS.items():
        acc += count
        rating_cut.append((acc / rating_total, rating or ""))
    power_cut = []
    acc = 0.0
    for power, share in rules.DEMO_POWER_SHARES.items():
        acc += share
        power_cut.append((acc / sum(rules.DEMO_POWER_SHARES.values()), power))

    def pick(cuts, x):
        return next(value for bound, value in cuts if x < bound)

    vc = Copier(m.Visit)
    voc = Copier(m.VisitOfficer)
    fec = Copier(m.FieldEntry)
    erc = Copier(m.EntryRecord)
    enc = Copier(m.Encounter)
    szc = Copier(m.Seizure)
    sgc = Copier(m.SafeguardingRecord)
    snc = Copier(m.EmployerSanction)
    egc = Copier(m.Engagement)
    cic = Copier(m.CriticalIncident)
    dbc = Copier(m.Debrief)
    visits, assignments, entries = [], [], []
    typed: dict[str, list[dict]] = {
        k: []
        for k in (
            "entry",
            "encounter",
            "seizure",
            "safeguarding",
            "sanction",
            "engagement",
            "incident",
        )
    }
    debriefs = []
    types_of_visit = list(rules.VISIT_TYPES)
    nv = n["visits"]
    for i in range(nv):
        x = ((i * 2654435761) % 2**32) / 2**32  # a well-spread pseudo-random number per visit
        team = teams[i % len(teams)]
        start = now - timedelta(days=365 * (nv - i) / nv, hours=(i % 5))
        planned_ahead = i >= nv - max(2, nv // 50)
        if planned_ahead:
            start = now + timedelta(days=1 + i % 28)
        status = (
            "planning"
            if planned_ahead
            else ("deployed" if start > now - timedelta(days=3) else "closed")
        )
        joint = (i * 7919) % 100 < rules.DEMO_JOINT_SHARE * 100
        vid = vc.id()
        pool = team_officers[team.pk]
        k = rules.DEMO_OFFICERS_PER_VISIT[0] + i % (
            rules.DEMO_OFFICERS_PER_VISIT[1] - rules.DEMO_OFFICERS_PER_VISIT[0] + 1
        )
        chosen = [pool[(i + j) % len(pool)] for j in range(k)]
        oic = chosen[0]
        deployed_at = start if status != "planning" else None
        closed_at = start + timedelta(hours=4 + (i % 60)) if status == "closed" else None
        visits.append(
            {
                "id": vid,
                "reference": f"BV-{vid:08d}",
                "source": "waymark",
                "team_id": team.pk,
                "region": f"Region {team.pk % 7}",
                "visit_type": "joint_operation" if joint else types_of_visit[i % 2],
                "partner_agencies": ["Police"] if joint else [],
                "planned_start": start,
                "premises_id": premises_ids[(i * 48271) % len(premises_ids)],
                "intended_power": pick(power_cut, x),
                "community_impact": "Considered: no known tensions",
                "risk_rating": pick(rating_cut, (x * 7) % 1),
                "status": status,
                "plan_version": 1,
                "officer_in_charge_id": oic,
                "bronze_commander_id": oic,
                "silver_commander_id": chosen[1],
                "gold_commander_id": chosen[2],
                "created_at": start - timedelta(days=10),
                "deployed_at": deployed_at,
                "closure_due_at": start + rules.CLOSURE_DUE if deployed_at else None,
                "closed_at": closed_at,
                "closed_by_id": oic if closed_at else None,
                "updated_at": closed_at or start,
            }
        )
        for j, officer in enumerate(chosen):
            accepted = (i + j) % 20 != 0  # 95% accept the briefing
            arrived = start + timedelta(minutes=j) if deployed_at else None
            assignments.append(
                {
                    "id": voc.id(),
                    "visit_id": vid,
                    "officer_id": officer,
                    "role": "Arrest team",
                    "briefing_accepted_at": start - timedelta(hours=2) if accepted else None,
                    "briefing_plan_version": 1 if accepted else None,
                    "arrived_at": arrived,
                    "departed_at": start + timedelta(hours=2) if closed_at else None,
                }
            )
            if deployed_at:
                for kind, at in (
                    ("arrival", arrived),
                    ("departure", start + timedelta(hours=2) if closed_at else None),
                ):
                    if at is not None:
                        entries.append(_entry(fec, vid, officer, kind, at, f"{kind.title()}d", {}))
        if not deployed_at:
            continue
        entry = _entry(
            fec, vid, oic, "entry", start + timedelta(minutes=15), "Entry to premises", {}
        )
        entries.append(entry)
        achieved = i % 10 != 0
        typed["entry"].append(
            {
                "id": erc.id(),
                "entry_id": entry["id"],
                "visit_id": vid,
                "achieved": achieved,
                "power": visits[-1]["intended_power"] if achieved else "",
                "consent_given_by": "Manager" if achieved else "",
                "told_could_refuse": True,
                "not_achieved_reason": "" if achieved else "No one answered",
            }
        )
        offenders = 0
        for e in range(i % 6):
            who = chosen[(e + 1) % len(chosen)]
            fe = _entry(
                fec, vid, who, "encounter", start + timedelta(minutes=20 + e), "Encounter", {}
            )
            entries.append(fe)
            y = (i * 31 + e * 17) % 100
            result = "offender" if y < 35 else ("right_to_work" if y < 80 else "british_irish")
            offenders += result == "offender"
            typed["encounter"].append(
                {
                    "id": enc.id(),
                    "entry_id": fe["id"],
                    "visit_id": vid,
                    "name_given": f"Person {i}-{e}",
                    "nationality": "GBR"
                    if result == "british_irish"
                    else NATIONALITIES[(i + e) % 11],
                    "checks_made": ["biometric", "status_lookup"],
                    "result": result,
                    "action": ("arrest" if y < 25 else "papers_served")
                    if result == "offender"
                    else "",
                    "offence": "Working in breach" if result == "offender" else "",
                }
            )
        if i % 20 == 0:
            fe = _entry(
                fec, vid, chosen[-1], "seizure", start + timedelta(minutes=40), "Seizure", {}
            )
            entries.append(fe)
            typed["seizure"].append(
                {
                    "id": szc.id(),
                    "entry_id": fe["id"],
                    "visit_id": vid,
                    "searched": "Staff room",
                    "search_power": "Para 25A",
                    "item_description": "Passport",
                    "exhibit_number": f"EX-{vid}-1",
                    "sealed_bag_number": f"SB-{vid}-1",
                    "property_signed_off_by_id": oic,
                    "property_signed_off_at": start + timedelta(hours=1),
                }
            )
        if i % 150 == 0 or i % 40 == 1:
            fe = _entry(
                fec, vid, oic, "safeguarding", start + timedelta(minutes=45), "Safeguarding", {}
            )
            entries.append(fe)
            typed["safeguarding"].append(
                {
                    "id": sgc.id(),
                    "entry_id": fe["id"],
                    "visit_id": vid,
                    "kind": "nrm" if i % 150 == 0 else "vulnerability",
                    "detail": "Bench",
                }
            )
        if offenders:
            fe = _entry(
                fec, vid, oic, "employer_sanction", start + timedelta(minutes=50), "Sanction", {}
            )
            entries.append(fe)
            typed["sanction"].append(
                {
                    "id": snc.id(),
                    "entry_id": fe["id"],
                    "visit_id": vid,
                    "kind": "civil_penalty_referral" if i % 9 else "licensing_review",
                    "detail": "",
                }
            )
        elif i % 3 == 0:
            fe = _entry(
                fec, vid, oic, "employer_sanction", start + timedelta(minutes=50), "Sanction", {}
            )
            entries.append(fe)
            typed["sanction"].append(
                {
                    "id": snc.id(),
                    "entry_id": fe["id"],
                    "visit_id": vid,
                    "kind": "no_action_notice",
                    "detail": "",
                }
            )
        if i % 3 == 0:
            fe = _entry(
                fec, vid, chosen[1], "engagement", start + timedelta(minutes=55), "Engagement", {}
            )
            entries.append(fe)
            typed["engagement"].append(
                {
                    "id": egc.id(),
                    "entry_id": fe["id"],
                    "visit_id": vid,
                    "advice_given": "Right to work checks",
                    "leaflets_handed_out": 3,
                }
            )
        if i % 630 == 0:
            fe = _entry(
                fec,
                vid,
                oic,
                "critical_incident",
                start + timedelta(minutes=60),
                "Critical incident",
                {},
            )
            entries.append(fe)
            typed["incident"].append(
                {
                    "id": cic.id(),
                    "entry_id": fe["id"],
                    "visit_id": vid,
                    "declared_at": start + timedelta(minutes=60),
                    "reason": "Protest",
                    "help_requested": "Police",
                }
            )
        entries.append(
            _entry(
                fec,
                vid,
                oic,
                "note",
                start + timedelta(minutes=70),
                "Note: all clear",
                {"text": "all clear"},
            )
        )
        if closed_at:
            debriefs.append(_debrief(dbc, vid, oic, closed_at, i))
        if len(entries) > 200_000:
            _flush(
                visits,
                assignments,
                entries,
                typed,
                debriefs,
                vc,
                voc,
                fec,
                erc,
                enc,
                szc,
                sgc,
                snc,
                egc,
                cic,
                dbc,
            )
    _flush(
        visits,
        assignments,
        entries,
        typed,
        debriefs,
        vc,
        voc,
        fec,
        erc,
        enc,
        szc,
        sgc,
        snc,
        egc,
        cic,
        dbc,
    )
    for c in (pc, vc, voc, fec, erc, enc, szc, sgc, snc, egc, cic, dbc):
        c.reset_sequence()
    bench = _bench_visits(teams[0], premises_ids[0], m)
    mark(args["marker"])
    return {
        "visits": vc.rows,
        "officers": len(officer_ids),
        "assignments": voc.rows,
        "entries": fec.rows,
        "encounters": enc.rows,
        "premises": pc.rows,
        "load_seconds": time.perf_counter() - began,
        **bench,
    }


def _entry(fec, vid, officer, kind, at, summary, payload) -> dict:
    return {
        "id": fec.id(),
        "visit_id": vid,
        "officer_id": officer,
        "entry_type": kind,
        "client_uuid": uuid.uuid4(),
        "recorded_at": at,
        "received_at": at,
        "latitude": 51.5,
        "longitude": -0.1,
        "location_accuracy_m": 8.0,
        "sent_offline": False,
        "summary": summary,
        "payload": payload,
    }


def _debrief(dbc, vid, oic, at, i) -> dict:
    accuracy = list(rules.INTELLIGENCE_ACCURACY)[i % 3 if i % 5 else 0]
    text = "Resources and activity recorded in full for the benchmark with enough words to count."
    return {
        "id": dbc.id(),
        "visit_id": vid,
        "resources_deployed": text,
        "activity_undertaken": text,
        "people_and_outcomes": text,
        "intelligence_accuracy": accuracy,
        "intelligence_accuracy_notes": text,
        "premises_information": f"Entrance at the rear since visit {vid}; shop extended next door.",
        "onward_referrals": "None",
        "went_well": text,
        "to_improve": text,
        "employer_records": "Paper copies",
        "submitted_by_id": oic,
        "submitted_at": at,
    }


def _flush(
    visits,
    assignments,
    entries,
    typed,
    debriefs,
    vc,
    voc,
    fec,
    erc,
    enc,
    szc,
    sgc,
    snc,
    egc,
    cic,
    dbc,
):
    vc.copy(visits)
    voc.copy(assignments)
    fec.copy(entries)
    for key, copier in (
        ("entry", erc),
        ("encounter", enc),
        ("seizure", szc),
        ("safeguarding", sgc),
        ("sanction", snc),
        ("engagement", egc),
        ("incident", cic),
    ):
        copier.copy(typed[key])
        typed[key].clear()
    dbc.copy(debriefs)
    for rows in (visits, assignments, entries, debriefs):
        rows.clear()


def _bench_visits(team, premises_id, m) -> dict:
    """The benchmarked visits: one deployed visit with 12 officers and 60 entries at premises with
    earlier visits and debriefs (field and planning pages), and one deployed visit to post to."""
    from waymark.accounts.models import Team

    team = Team.objects.get(pk=team.pk)
    officer = _user_make("bench-officer", "field_officer", team, "EO")
    oic = _user_make("bench-oic", "officer_in_charge", team, "HEO")
    _user_make("bench-analyst", "performance_analyst", None, "HEO")
    others = list(
        team.members.filter(username__startswith="bench-ice-").order_by("pk")[: BENCH_OFFICERS - 2]
    )
    crew = [oic, officer, *others]
    premises = m.Premises.objects.get(pk=premises_id)
    start = ANCHOR - timedelta(hours=1)
    for h in range(BENCH_HISTORY):
        earlier = start - timedelta(days=90 * (h + 1))
        v = m.Visit.objects.create(
            reference=f"BENCH-H{h}",
            team=team,
            region="Bench",
            visit_type="illegal_working_arrest",
            planned_start=earlier,
            premises=premises,
            risk_rating="green",
            status="closed",
            officer_in_charge=oic,
            created_at=earlier,
            deployed_at=earlier,
            closed_at=earlier + timedelta(hours=5),
            closed_by=oic,
            closure_due_at=earlier + rules.CLOSURE_DUE,
            updated_at=earlier,
        )
        m.Debrief.objects.create(
            visit=v,
            submitted_by=oic,
            submitted_at=earlier + timedelta(hours=4),
            **{
                k: f"Bench {k} for earlier visit {h}: entrance moved to the rear."
                for k in rules.DEBRIEF_SECTIONS
                if k != "intelligence_accuracy_notes"
            },
            intelligence_accuracy="partly",
            intelligence_accuracy_notes="Partly right",
        )
    made = {}
    for ref in ("BENCH-FIELD", "BENCH-POST"):
        v = m.Visit.objects.create(
            reference=ref,
            team=team,
            region="Bench",
            visit_type="illegal_working_arrest",
            planned_start=start,
            premises=premises,
            risk_rating="green",
            intended_power="informed_consent",
            status="deployed",
            officer_in_charge=oic,
            bronze_commander=oic,
            silver_commander=crew[2],
            gold_commander=crew[3],
            created_at=start - timedelta(days=5),
            deployed_at=start,
            deployed_by=oic,
            closure_due_at=start + rules.CLOSURE_DUE,
            updated_at=start,
        )
        for j, person in enumerate(crew):
            m.VisitOfficer.objects.create(
                visit=v,
                officer=person,
                role="Arrest team",
                briefing_accepted_at=start,
                briefing_plan_version=1,
                arrived_at=start + timedelta(minutes=j) if ref == "BENCH-FIELD" else None,
                last_latitude=51.5,
                last_longitude=-0.1,
            )
        made[ref] = v
    field = made["BENCH-FIELD"]
    rows = []
    for j in range(BENCH_ENTRIES):
        who = crew[j % len(crew)]
        kind = "arrival" if j < len(crew) else "note"
        rows.append(
            m.FieldEntry(
                visit=field,
                officer=who,
                entry_type=kind,
                client_uuid=uuid.uuid4(),
                recorded_at=start + timedelta(minutes=j),
                received_at=start + timedelta(minutes=j),
                latitude=51.5,
                longitude=-0.1,
                location_accuracy_m=5,
                summary=f"{kind} {j}",
                payload={"text": f"Bench note {j}"} if kind == "note" else {},
            )
        )
    m.FieldEntry.objects.bulk_create(rows)
    return {"field_visit": field.pk, "post_visit": made["BENCH-POST"].pk}


# ------------------------------------------------------------------------------------------------
# 1. Field-entry submission: the HTTP endpoint and the offline batch against a raw INSERT


RAW_INSERT = """
INSERT INTO operations_fieldentry (visit_id, officer_id, entry_type, client_uuid, recorded_at, received_at,
    latitude, longitude, location_accuracy_m, sent_offline, summary, payload)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""


def _payloads(visit_id: int, count: int, offline: bool) -> list[dict]:
    base = ANCHOR - timedelta(minutes=50)
    return [
        {
            "client_uuid": str(uuid.uuid4()),
            "visit": visit_id,
            "entry_type": "note",
            "recorded_at": (base + timedelta(seconds=i)).isoformat(),
            "latitude": 51.5 + i / 1e5,
            "longitude": -0.1,
            "accuracy_m": 6.0,
            "sent_offline": offline,
            "data": {"text": f"Bench note {i}: side door locked, two staff in the kitchen."},
        }
        for i in range(count)
    ]


def _raw_rows(payloads: list[dict], officer_id: int) -> list[tuple]:
    return [
        (
            p["visit"],
            officer_id,
            p["entry_type"],
            str(uuid.uuid4()),
            p["recorded_at"],
            ANCHOR.isoformat(),
            p["latitude"],
            p["longitude"],
            p["accuracy_m"],
            p["sent_offline"],
            f"Note: {p['data']['text']}"[:300],
            json.dumps(p["data"]),
        )
        for p in payloads
    ]


def _clear_post_visit(visit_id: int) -> None:
    sql("DELETE FROM operations_fieldentry WHERE visit_id = %s", [visit_id])


def part_entries(args: dict) -> dict:
    from django.test import Client
    from django.test.utils import override_settings

    from waymark.accounts.models import User
    from waymark.operations.models import FieldEntry, Visit

    single_url = url_or_none("api:operations-entries")
    batch_url = url_or_none("api:operations-entries-batch")
    result: dict = {"single_url": bool(single_url), "batch_url": bool(batch_url)}
    if not single_url and not batch_url:
        return result
    n = 60 if args.get("quick") else 600
    batch_size = min(50, rules.FIELD_BATCH_MAX if hasattr(rules, "FIELD_BATCH_MAX") else 50)
    visit = Visit.objects.get(reference="BENCH-POST")
    officer = User.objects.get(username="bench-officer")
    _clear_post_visit(visit.pk)
    # The second factor is off as for the demo and the suite (the session would otherwise need a
    # TOTP code); the field endpoints' own work is what this part measures.
    with (
        override_settings(ALLOWED_HOSTS=["testserver"], WAYMARK_OTP_REQUIRED=False),
        clock.frozen(ANCHOR),
    ):
        client = Client()
        client.force_login(officer)
        if single_url:
            payloads = _payloads(visit.pk, n, offline=False)
            warm = _payloads(visit.pk, 5, offline=False)
            for p in warm:
                response = client.post(single_url, p, content_type="application/json")
                assert response.status_code == 201, (response.status_code, response.content[:500])
            times = []
            began = time.perf_counter()
            for p in payloads:
                t0 = time.perf_counter()
                response = client.post(single_url, p, content_type="application/json")
                times.append(time.perf_counter() - t0)
                assert response.status_code == 201, (response.status_code, response.content[:500])
            app_seconds = time.perf_counter() - began
            replay = client.post(single_url, payloads[0], content_type="application/json")
            stored = FieldEntry.objects.filter(visit=visit).count()
            # The floor of one entry a request: as many requests, the same client and session,
            # refused at the input's validation (400: nothing read past the session and the user,
            # nothing written). No endpoint taking one entry a request can be faster.
            floor_times = []
            floor_statuses: dict[int, int] = {}
            import logging

            request_log = logging.getLogger("django.request")
            request_log_level = request_log.level
            request_log.setLevel(logging.ERROR)  # not a warning line for each refusal
            began = time.perf_counter()
            for _ in payloads:
                t0 = time.perf_counter()
                response = client.post(single_url, {}, content_type="application/json")
                floor_times.append(time.perf_counter() - t0)
                floor_statuses[response.status_code] = (
                    floor_statuses.get(response.status_code, 0) + 1
                )
            floor_seconds = time.perf_counter() - began
            request_log.setLevel(request_log_level)
            _clear_post_visit(visit.pk)
            # Baseline: the same rows, one plain INSERT each (autocommit), into the same table.
            raw = _raw_rows(payloads, officer.pk)
            base_times = []
            began = time.perf_counter()
            with connection.cursor() as cursor:
                for row in raw:
                    t0 = time.perf_counter()
                    cursor.execute(RAW_INSERT, row)
                    base_times.append(time.perf_counter() - t0)
            base_seconds = time.perf_counter() - began
            _clear_post_visit(visit.pk)
            result.update(
                {
                    "single_n": n,
                    "single_rate": n / app_seconds,
                    "single_base_rate": n / base_seconds,
                    "single_p95_ms": p95(times) * 1000,
                    "single_base_p95_ms": p95(base_times) * 1000,
                    "single_replay_status": replay.status_code,
                    "single_stored": stored,
                    "single_floor_rate": n / floor_seconds,
                    "single_floor_p95_ms": p95(floor_times) * 1000,
                    "single_floor_statuses": floor_statuses,
                }
            )
            print(
                f"  single: {n} entries in {app_seconds:.2f} s ({n / app_seconds:,.0f}/s), raw INSERT "
                f"{n / base_seconds:,.0f}/s; replay status {replay.status_code}; stored {stored}",
                flush=True,
            )
        if batch_url:
            payloads = _payloads(visit.pk, n, offline=True)
            batches = [payloads[i : i + batch_size] for i in range(0, n, batch_size)]
            warm = client.post(
                batch_url,
                {"entries": _payloads(visit.pk, 3, offline=True)},
                content_type="application/json",
            )
            assert warm.status_code in (200, 201, 207), (warm.status_code, warm.content[:500])
            _clear_post_visit(visit.pk)
            times = []
            began = time.perf_counter()
            for batch in batches:
                t0 = time.perf_counter()
                response = client.post(
                    batch_url, {"entries": batch}, content_type="application/json"
                )
                times.append(time.perf_counter() - t0)
                assert response.status_code in (200, 201, 207), (
                    response.status_code,
                    response.content[:500],
                )
            app_seconds = time.perf_counter() - began
            stored = FieldEntry.objects.filter(visit=visit).count()
            began = time.perf_counter()
            replay_statuses: dict[int, int] = {}
            for batch in batches:
                response = client.post(
                    batch_url, {"entries": batch}, content_type="application/json"
                )
                assert response.status_code in (200, 201, 207), (
                    response.status_code,
                    response.content[:500],
                )
                for item in response.json().get("results", []):
                    replay_statuses[item["status"]] = replay_statuses.get(item["status"], 0) + 1
            replay_seconds = time.perf_counter() - began
            after_replay = FieldEntry.objects.filter(visit=visit).count()
            _clear_post_visit(visit.pk)
            raw = _raw_rows(payloads, officer.pk)
            base_times = []
            began = time.perf_counter()
            with connection.cursor() as cursor:
                for i in range(0, len(raw), batch_size):
                    t0 = time.perf_counter()
                    cursor.executemany(RAW_INSERT, raw[i : i + batch_size])
                    base_times.append(time.perf_counter() - t0)
            base_seconds = time.perf_counter() - began
            _clear_post_visit(visit.pk)
            result.update(
                {
                    "batch_n": n,
                    "batch_size": batch_size,
                    "batch_rate": n / app_seconds,
                    "batch_base_rate": n / base_seconds,
                    "batch_p95_ms": p95(times) * 1000,
                    "batch_base_p95_ms": p95(base_times) * 1000,
                    "batch_stored": stored,
                    "batch_replay_new": after_replay - stored,
                    "batch_replay_seconds": replay_seconds,
                    "batch_replay_statuses": replay_statuses,
                }
            )
            print(
                f"  batch: {n} entries in {len(batches)} batches of {batch_size}, {n / app_seconds:,.0f}/s, raw "
                f"{n / base_seconds:,.0f}/s; replay stored {after_replay - stored} new in {replay_seconds:.2f} s",
                flush=True,
            )
    return result


# ------------------------------------------------------------------------------------------------
# 2. The field page and the planning page against a minimal view running the same SQL


def _bench_urlconf():
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import path

    from config.urls import urlpatterns as site_urlpatterns

    module = types.ModuleType("operations_bench_urls")
    module.BARE = []  # [sql], set by the benchmark

    @login_required
    def bare(request):
        rows = 0
        with connection.cursor() as cursor:
            for statement in module.BARE:
                cursor.execute(statement)
                if cursor.description is not None:
                    rows += len(cursor.fetchall())
        return HttpResponse(f"{rows} rows", content_type="text/plain")

    module.urlpatterns = [*site_urlpatterns, path("__bench__/operations/", bare)]
    sys.modules[module.__name__] = module
    return module


_timed = harness.timed_gets


def _page_sql(client, url: str, module) -> tuple[list[str], int]:
    """The SQL the page runs that the bare view (same middleware, same login) does not."""
    from django.test.utils import CaptureQueriesContext

    module.BARE[:] = []
    with CaptureQueriesContext(connection) as base:
        client.get("/__bench__/operations/")
    with CaptureQueriesContext(connection) as page:
        client.get(url)
    common = [q["sql"] for q in base.captured_queries]
    own = []
    for q in page.captured_queries:
        statement = q["sql"]
        if statement in common:
            common.remove(statement)
            continue
        if statement.upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO")):
            continue
        own.append(statement)
    return own, len(page.captured_queries)


def _page_vs_bare(client, url: str, module, n: int, label: str) -> dict:
    own, queries = _page_sql(client, url, module)
    page = _timed(client, url, n)
    module.BARE[:] = own
    bare = _timed(client, "/__bench__/operations/", n)
    print(
        f"  {label}: {queries} queries ({len(own)} the page's own); p50 {statistics.median(page) * 1000:.1f} ms, "
        f"bare p50 {statistics.median(bare) * 1000:.1f} ms",
        flush=True,
    )
    return {"queries": queries, "p95_ms": p95(page) * 1000, "bare_p95_ms": p95(bare) * 1000}


def part_pages(args: dict) -> dict:
    from django.core.signals import request_started
    from django.db import reset_queries
    from django.test import Client
    from django.test.utils import override_settings

    from waymark.accounts.models import User
    from waymark.operations.models import Visit

    field = Visit.objects.get(reference="BENCH-FIELD")
    n = 10 if args.get("quick") else 50
    result: dict = {
        "entries": field.entries.count(),
        "officers": field.officers.count(),
        "history": Visit.objects.filter(premises=field.premises).exclude(pk=field.pk).count(),
    }
    module = _bench_urlconf()
    request_started.disconnect(reset_queries)  # keep the captured queries of a request
    with (
        override_settings(ROOT_URLCONF=module.__name__, ALLOWED_HOSTS=["testserver"]),
        clock.frozen(ANCHOR),
    ):
        for key, name, username in (
            ("field", "operations:field", "bench-officer"),
            ("plan", "operations:visit", "bench-oic"),
        ):
            url = url_or_none(name, field.pk)
            if url is None:
                result[key] = {"missing": name}
                continue
            client = Client(
                raise_request_exception=False
            )  # a page that fails is a row, not a crash
            client.force_login(User.objects.get(username=username))
            probe = client.get(url)
            if probe.status_code != 200:
                result[key] = {"error": f"{name} answered {probe.status_code}"}
                continue
            result[key] = _page_vs_bare(client, url, module, n, name)
    return result


# ------------------------------------------------------------------------------------------------
# 3. The measures page against the same aggregates in DuckDB


MEASURE_TABLES = {
    "visit": """SELECT v.id, v.team_id, v.status, v.risk_rating, v.intended_power, v.visit_type,
                       v.partner_agencies::text AS partner_agencies, v.plan_version, v.planned_start, v.deployed_at,
                       v.closed_at, v.closure_due_at, p.sector_id, s.name AS sector
                FROM operations_visit v JOIN operations_premises p ON p.id = v.premises_id
                JOIN operations_sector s ON s.id = p.sector_id""",
    "team": "SELECT id, name FROM accounts_team",
    "officer": "SELECT id, visit_id, briefing_accepted_at, briefing_plan_version FROM operations_visitofficer",
    "encounter": "SELECT id, visit_id, person_id, nationality, result, action FROM operations_encounter",
    "sanction": "SELECT id, visit_id, kind FROM operations_employersanction",
    "safeguarding": "SELECT id, visit_id, kind FROM operations_safeguardingrecord",
    "incident": "SELECT id, visit_id FROM operations_criticalincident",
    "debrief": "SELECT id, visit_id, intelligence_accuracy FROM operations_debrief",
}

DUCK_QUERIES = [
    "CREATE OR REPLACE TEMP TABLE u AS SELECT * FROM visit WHERE status IN ('deployed', 'closed') "
    "AND planned_start >= $since AND planned_start < $until",
    "SELECT coalesce(nullif(risk_rating, ''), 'none'), count(*) FROM u GROUP BY 1",
    "SELECT t.name, u.risk_rating, count(*) FROM u JOIN team t ON t.id = u.team_id GROUP BY 1, 2 ORDER BY 3 DESC",
    "SELECT sector, count(*) FROM u GROUP BY 1 ORDER BY 2 DESC",
    "SELECT coalesce(nullif(intended_power, ''), 'other'), count(*) FROM u GROUP BY 1",
    "SELECT count(*) FILTER (WHERE visit_type = 'joint_operation' OR partner_agencies <> '[]'), count(*) FROM u",
    "SELECT e.nationality, e.action, count(*) FROM encounter e JOIN u ON u.id = e.visit_id GROUP BY 1, 2",
    "SELECT e.result, count(*) FROM encounter e JOIN u ON u.id = e.visit_id GROUP BY 1",
    "SELECT e.action, count(*) FROM encounter e JOIN u ON u.id = e.visit_id WHERE e.result = 'offender' GROUP BY 1",
    "SELECT s.kind, count(*) FROM sanction s JOIN u ON u.id = s.visit_id GROUP BY 1",
    "SELECT s.kind, count(*) FROM safeguarding s JOIN u ON u.id = s.visit_id GROUP BY 1",
    "SELECT count(DISTINCT s.visit_id) FILTER (WHERE s.kind IN ('vulnerability', 'nrm')), "
    "count(DISTINCT s.visit_id) FILTER (WHERE s.kind = 'nrm') FROM safeguarding s JOIN u ON u.id = s.visit_id",
    "SELECT count(*) FROM incident i JOIN u ON u.id = i.visit_id",
    "SELECT d.intelligence_accuracy, count(*) FROM debrief d JOIN u ON u.id = d.visit_id GROUP BY 1",
    "SELECT count(*), count(*) FILTER (WHERE o.briefing_accepted_at IS NOT NULL AND o.briefing_plan_version = "
    "u.plan_version), count(DISTINCT o.visit_id) FILTER (WHERE NOT (o.briefing_accepted_at IS NOT NULL AND "
    "coalesce(o.briefing_plan_version = u.plan_version, false))) FROM officer o JOIN u ON u.id = o.visit_id",
    "SELECT median(epoch(closed_at - coalesce(deployed_at, planned_start)) / 3600), count(*), "
    "count(*) FILTER (WHERE closed_at <= closure_due_at) FROM u WHERE status = 'closed' AND closed_at IS NOT NULL",
    "SELECT count(*) FROM visit WHERE status = 'deployed' AND closure_due_at < $now",
    "SELECT count(DISTINCT e.person_id), count(*) FILTER (WHERE e.person_id IS NULL) FROM encounter e "
    "JOIN u ON u.id = e.visit_id WHERE e.result = 'offender'",
]


def _measures_update(state) -> dict:
    """Between whole rebuilds a refresh recounts only the (team, day) groups whose records
    changed (``services.measures_read_model_update``): a burst of field and closure work is
    written, the refresh timed, and all of it rolled back (the bench's data stays as loaded).
    The burst is far more than a national minute's work (about one visit a minute at x100):
    100 visits re-rated, 50 closed, 300 officers' briefings and 300 encounters changed."""
    from django.db import transaction

    from waymark.core.read_models import read_model_refresh
    from waymark.core.rules import (
        READ_MODEL_MAX_AGE,
        READ_MODEL_REFRESH_INTERVAL,
        READ_MODEL_REFRESH_MARGIN,
    )
    from waymark.operations.models import Encounter, MeasureChange, Visit, VisitOfficer

    class Rollback(Exception):
        pass

    out: dict = {}
    try:
        with transaction.atomic(), clock.frozen(ANCHOR + timedelta(seconds=30)):
            undertaken = Visit.objects.filter(status__in=["deployed", "closed"]).order_by("-pk")
            ids = list(undertaken.values_list("pk", flat=True)[:400])
            Visit.objects.filter(pk__in=ids[:100]).update(risk_rating="high")
            deployed = list(
                Visit.objects.filter(status="deployed").values_list("pk", flat=True)[:50]
            )
            Visit.objects.filter(pk__in=deployed).update(status="closed", closed_at=ANCHOR)
            officers = VisitOfficer.objects.filter(visit_id__in=ids).values("pk")[:300]
            VisitOfficer.objects.filter(pk__in=officers).update(briefing_accepted_at=None)
            encounters = Encounter.objects.filter(visit_id__in=ids).values("pk")[:300]
            Encounter.objects.filter(pk__in=encounters).update(action="arrest")
            out["update_groups"] = MeasureChange.objects.values("team_id", "day").distinct().count()
            began = time.perf_counter()
            updated = read_model_refresh("operations.measures")
            out["update_seconds"] = time.perf_counter() - began
            assert updated is not None
            out["update_was_whole"] = updated.full_as_of != state.as_of
            raise Rollback
    except Rollback:
        pass
    full = out["refresh_whole_seconds"] = state.full_ms / 1000
    interval = READ_MODEL_REFRESH_INTERVAL.total_seconds()
    # In service: an update starts when the rows are 30 s old and lands U s later; the hourly
    # whole rebuild starts when they are (60 - F - 5) s old, so lands at 55 s unless F > 55.
    start_whole = max((READ_MODEL_MAX_AGE - READ_MODEL_REFRESH_MARGIN).total_seconds() - full, 0)
    out["in_service_age_seconds"] = max(
        interval + out["update_seconds"], min(interval, start_whole) + full
    )
    print(
        f"  measures update: {out['update_groups']:,} changed groups recounted in "
        f"{out['update_seconds']:.2f} s (whole rebuild {full:.1f} s); rows at most "
        f"{out['in_service_age_seconds']:.0f} s old in service",
        flush=True,
    )
    return out


def part_measures(args: dict) -> dict:
    import duckdb
    import psycopg
    from django.test import Client
    from django.test.utils import override_settings

    from waymark.accounts.models import User

    url = url_or_none("operations:measures")
    n = 6 if args.get("quick") else (20 if float(args["scale"]) < 100 else 8)
    result: dict = {"url": bool(url)}
    with clock.frozen(ANCHOR):
        try:
            from waymark.operations import selectors as measures

            period = measures.period_default()
            since, until = period.since, period.until
        except (ImportError, AttributeError):
            since, until = ANCHOR - timedelta(days=365), ANCHOR + timedelta(days=1)
    result["visits_in_period"] = scalar(
        "SELECT count(*) FROM operations_visit WHERE status IN ('deployed', 'closed')"
        " AND planned_start >= %s AND planned_start < %s",
        [since, until],
    )
    # The page reads the read model (issue 17 item 4): rebuild it first, timed on its own; the
    # rows' age is checked on the page (its as-of time) and in wall-clock time.
    from waymark.core.read_models import read_model_refresh

    call_command("migrate", verbosity=0, interactive=False)  # the read model's tables
    refresh_began = time.perf_counter()
    with clock.frozen(ANCHOR):
        state = read_model_refresh("operations.measures", full=True)
    assert state is not None
    result["refresh_seconds"] = time.perf_counter() - refresh_began
    result["refresh_rows"] = state.rows
    if url:
        with override_settings(ALLOWED_HOSTS=["testserver"]), clock.frozen(ANCHOR):
            client = Client()
            client.force_login(User.objects.get(username="bench-analyst"))
            page = _timed(client, url, n, warm=2)
            text = client.get(url).content.decode()
        result["page_p95_ms"] = p95(page) * 1000
        result["as_of_shown"] = f'data-as-of="{state.as_of.isoformat()}"' in text
        result["rows_age_seconds"] = time.perf_counter() - refresh_began
        print(
            f"  measures page: {result['visits_in_period']:,} visits in the period; p50 "
            f"{statistics.median(page) * 1000:.0f} ms",
            flush=True,
        )
    result.update(_measures_update(state))
    # DuckDB over an export of the same rows (the export is not timed).
    duck = duckdb.connect()
    settings_db = connection.settings_dict
    dsn = (
        f"host={settings_db['HOST'] or '127.0.0.1'} port={settings_db['PORT'] or 5432} "
        f"dbname={settings_db['NAME']} user={settings_db['USER'] or 'postgres'}"
    )
    if settings_db.get("PASSWORD"):
        dsn += f" password={settings_db['PASSWORD']}"
    with psycopg.connect(dsn) as conn:
        for name, statement in MEASURE_TABLES.items():
            buffer = io.BytesIO()
            with (
                conn.cursor() as cursor,
                cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy,
            ):
                for data in copy:
                    buffer.write(data)
            path = Path(f"/tmp/waymark-bench-ops-{name}.csv")  # noqa: S108 - bench scratch file
            path.write_bytes(buffer.getvalue())
            header = set(buffer.getvalue().split(b"\n", 1)[0].decode().strip().split(","))
            typed = {
                col: "TIMESTAMPTZ"
                for col in (
                    "planned_start",
                    "deployed_at",
                    "closed_at",
                    "closure_due_at",
                    "briefing_accepted_at",
                )
                if col in header
            }
            typed.update(
                {
                    col: "VARCHAR"
                    for col in (
                        "status",
                        "risk_rating",
                        "intended_power",
                        "visit_type",
                        "partner_agencies",
                        "nationality",
                        "result",
                        "action",
                        "kind",
                        "intelligence_accuracy",
                        "sector",
                        "name",
                    )
                    if col in header
                }
            )
            types_clause = f", types={typed!r}" if typed else ""
            duck.execute(
                f"CREATE OR REPLACE TABLE \"{name}\" AS SELECT * FROM read_csv('{path}', header=true"  # noqa: S608
                f"{types_clause})"
            )
    duck_times = []
    for _ in range(n):
        began = time.perf_counter()
        for query in DUCK_QUERIES:
            statement = (
                query.replace("$since", f"TIMESTAMPTZ '{since.isoformat()}'")
                .replace("$until", f"TIMESTAMPTZ '{until.isoformat()}'")
                .replace("$now", f"TIMESTAMPTZ '{ANCHOR.isoformat()}'")
            )
            duck.execute(statement).fetchall()
        duck_times.append(time.perf_counter() - began)
    result["duckdb_p95_ms"] = p95(duck_times) * 1000
    print(
        f"  DuckDB, the same aggregates: p50 {statistics.median(duck_times) * 1000:.1f} ms",
        flush=True,
    )
    return result


if __name__ == "__main__":
    part, raw_args = sys.argv[1], json.loads(sys.argv[2])
    parts = {
        "load": part_load,
        "entries": part_entries,
        "pages": part_pages,
        "measures": part_measures,
    }
    result = parts[part](raw_args)
    print("BENCH-RESULT " + json.dumps(result, default=str), flush=True)
