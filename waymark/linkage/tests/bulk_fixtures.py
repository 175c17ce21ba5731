"""Building people, source records and police imports for the bulk-check and ownership tests,
straight on the models (the same standardisation an import applies), and a fixed linkage model so
scores do not depend on training a model on a handful of records."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import date
from typing import Any

from django.contrib.auth.models import Group

from waymark.accounts.models import Team, User
from waymark.accounts.roles import ROLES
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.linkage import engine, standardise
from waymark.linkage.models import ImportJob, ImportStatus, SourceKind, SourceRecord
from waymark.people import services as people_services
from waymark.people.models import Person

_seq = itertools.count(1)


def user_with_role(role_key: str, team: Team | None = None) -> User:
    roles_sync()
    n = next(_seq)
    user = User.objects.create_user(
        username=f"bulk-{role_key}-{n}",
        password="a-long-test-password-123",
        grade=ROLES[role_key].demo_grade,
        first_name=role_key.replace("_", " ").title(),
        last_name=f"Tester{n}",
    )
    user.groups.add(Group.objects.get(name=role_key))
    if team is not None:
        user.teams.add(team)
    return User.objects.get(pk=user.pk)


def team_make(name: str) -> Team:
    slug = "-".join(name.lower().replace(",", "").replace("(", "").replace(")", "").split())[:80]
    return Team.objects.get_or_create(name=name, defaults={"slug": slug})[0]


def job_make(
    source_kind: str = SourceKind.LEGACY_CASE,
    *,
    status: str = ImportStatus.COMPLETED,
    label: str = "Test extract",
) -> ImportJob:
    now = clock.now()
    return ImportJob.objects.create(
        source_kind=source_kind,
        label=label,
        file_name="test.csv",
        file_format="csv",
        status=status,
        created_at=now,
        finished_at=now if status == ImportStatus.COMPLETED else None,
    )


def record_make(job: ImportJob, person: Person | None = None, **mapped: Any) -> SourceRecord:
    """One source record from mapped field values (``source_ref`` and a name at least)."""
    std = standardise.record_standardise(mapped, source_kind=job.source_kind)
    now = clock.now()
    digest = hashlib.sha256(json.dumps(mapped, sort_keys=True, default=str).encode()).hexdigest()
    return SourceRecord.objects.create(
        source_kind=job.source_kind,
        import_job=job,
        content_hash=digest,
        person=person,
        created_at=now,
        updated_at=now,
        **std,
    )


def person_make(
    given: str,
    family: str,
    dob: date | None = None,
    *,
    nationality: str = "",
    references: list[tuple[str, str]] | None = None,
    team: Team | None = None,
    case_owner: User | None = None,
    postcode: str = "",
) -> Person:
    person = people_services.person_create(
        actor=None,
        given_names=given,
        family_name=family,
        date_of_birth=dob,
        sex="male",
        nationalities=(nationality,) if nationality else (),
        references=references or None,
        owning_team=team,
        case_owner=case_owner,
    )
    if postcode:
        people_services.address_add(
            actor=None,
            person=person,
            line_1="1 High Street",
            town="London",
            postcode=postcode,
            valid_from=date(2020, 1, 1),
        )
    return Person.objects.get(pk=person.pk)


def people_bulk(n: int, prefix: str = "Person") -> list[Person]:
    """``n`` people with no owner, quickly (``people_bulk_create``)."""
    created, _clashes = people_services.people_bulk_create(
        actor=None,
        source="test",
        people=[
            {"given_names": f"{prefix}{i}", "family_name": f"Family{next(_seq)}"} for i in range(n)
        ],
    )
    return created


def legacy_records_bulk(
    job: ImportJob, claims: list[tuple[Person, str]], *, kind: str = SourceKind.LEGACY_CASE
) -> None:
    """One record of ``kind`` per (person, unit text), bulk-created; the unit goes into
    ``extra["owning_unit"]`` (legacy) or ``extra["case_owner"]`` (tracker)."""
    now = clock.now()
    key = "owning_unit" if kind == SourceKind.LEGACY_CASE else "case_owner"
    rows = []
    for person, unit in claims:
        n = next(_seq)
        rows.append(
            SourceRecord(
                source_kind=kind,
                source_ref=f"REF-{n:07d}",  # padded: records sort in the order they were made
                import_job=job,
                person=person,
                given_names=person.given_names,
                family_name=person.family_name,
                given_std=person.given_names.upper(),
                family_std=person.family_name.upper(),
                extra={key: unit},
                content_hash=f"{n:064d}",
                created_at=now,
                updated_at=now,
            )
        )
    SourceRecord.objects.bulk_create(rows, batch_size=1000)


def police_record_make(
    job: ImportJob, pnc: str, given: str, family: str, dob: str, **extra: Any
) -> SourceRecord:
    mapped = {
        "source_ref": pnc,
        "pnc_id": pnc,
        "given_names": given,
        "family_name": family,
        "date_of_birth": dob,
        "sex": extra.pop("sex", "M"),
        "nationality": extra.pop("nationality", ""),
        "postcode": extra.pop("postcode", ""),
        "cro_number": extra.pop("cro_number", ""),
        "offence_count": extra.pop("offence_count", "2"),
        "most_serious_offence": extra.pop("most_serious_offence", "Burglary"),
        "last_conviction_date": extra.pop("last_conviction_date", "2021-06-01"),
        "force": extra.pop("force", "Metropolitan Police"),
    }
    return record_make(job, **mapped)


def model_fixed() -> dict[str, Any]:
    """The pipeline's comparisons with fixed m and u: full agreement strongly for, full
    disagreement against, partial levels mildly for. Deterministic and quick."""
    settings = engine.pipeline_settings("link_only")
    if not isinstance(settings, dict):  # a Splink SettingsCreator
        settings = settings.get_settings("duckdb").as_dict()
    settings["probability_two_random_records_match"] = 1e-4
    for comparison in settings["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        middle = levels[1:-1]
        for i, level in enumerate(levels):
            level.pop("tf_adjustment_column", None)
            level.pop("tf_adjustment_weight", None)
            if i == 0:
                level["m_probability"], level["u_probability"] = 0.9, 0.001
            elif i == len(levels) - 1:
                level["m_probability"], level["u_probability"] = (
                    0.05 if middle else 0.1,
                    0.989 if middle else 0.999,
                )
            else:
                level["m_probability"] = 0.05 / len(middle)
                level["u_probability"] = 0.01 / len(middle)
    return settings
