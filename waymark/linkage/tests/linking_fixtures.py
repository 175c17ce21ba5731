"""Building source records for linking tests without going through a file: the same
standardisation an import applies, written straight to the models."""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any

from django.contrib.auth.models import Group

from waymark.accounts.models import User
from waymark.accounts.roles import ROLES
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.linkage import standardise
from waymark.linkage.models import ImportJob, ImportStatus, SourceRecord

_seq = itertools.count(1)


def user_with_role(role_key: str) -> User:
    roles_sync()
    n = next(_seq)
    user = User.objects.create_user(
        username=f"{role_key}-{n}",
        password="a-long-test-password-123",
        grade=ROLES[role_key].demo_grade,
        first_name=role_key.replace("_", " ").title(),
        last_name=f"Reviewer{n}",
    )
    user.groups.add(Group.objects.get(name=role_key))
    return User.objects.get(pk=user.pk)


def job_make(source_kind: str = "legacy_case") -> ImportJob:
    return ImportJob.objects.create(
        source_kind=source_kind,
        label="Test extract",
        file_name="test.csv",
        file_format="csv",
        status=ImportStatus.COMPLETED,
        created_at=clock.now(),
    )


def record_make(job: ImportJob, **mapped: Any) -> SourceRecord:
    """One source record from mapped field values (``source_ref`` and a name at least)."""
    std = standardise.record_standardise(mapped, source_kind=job.source_kind)
    now = clock.now()
    digest = hashlib.sha256(json.dumps(mapped, sort_keys=True, default=str).encode()).hexdigest()
    return SourceRecord.objects.create(
        source_kind=job.source_kind,
        import_job=job,
        content_hash=digest,
        created_at=now,
        updated_at=now,
        **std,
    )


# A small population: 40 people, each with three legacy cases typed a little differently, so the
# model has enough to train on; the tests add their own records on top.
GIVEN = ["Amir", "Bola", "Chen", "Dariusz", "Elena", "Farid", "Grace", "Hamza", "Ines", "Jonas"]
FAMILY = [
    "Okafor",
    "Nowak",
    "Haddad",
    "Petrov",
    "Silva",
    "Khan",
    "Mensah",
    "Ivanova",
    "Rossi",
    "Tanaka",
    "Osei",
    "Popescu",
    "Hussain",
    "Kowalski",
    "Moreno",
    "Ali",
    "Suleiman",
    "Novak",
    "Costa",
    "Yilmaz",
]
NATIONALITIES = ["NGA", "POL", "LBN", "RUS", "BRA", "PAK", "GHA", "UKR", "ITA", "JPN"]


def population_make(job: ImportJob, people: int = 40) -> list[list[SourceRecord]]:
    groups = []
    for i in range(people):
        given, family = GIVEN[i % len(GIVEN)], FAMILY[(i * 7) % len(FAMILY)]
        dob = f"{(i % 27) + 1:02d}/{(i % 12) + 1:02d}/{1960 + i}"
        ho = f"H{3000000 + i * 7919}"
        postcode = f"M{(i % 9) + 1} {i % 10}AB"
        nat = NATIONALITIES[i % len(NATIONALITIES)]
        records = [
            record_make(
                job,
                source_ref=f"CID-{i}-1",
                given_names=given,
                family_name=family,
                date_of_birth=dob,
                sex="M" if i % 2 else "F",
                nationality=nat,
                postcode=postcode,
                home_office_ref=ho,
            ),
            record_make(
                job,
                source_ref=f"CID-{i}-2",
                given_names=given,
                family_name=family.upper(),
                date_of_birth=dob,
                sex="M" if i % 2 else "F",
                nationality=nat,
                postcode="",
                home_office_ref=ho,
            ),
            record_make(
                job,
                source_ref=f"CID-{i}-3",
                given_names=given + "e" if i % 3 == 0 else given,
                family_name=family,
                date_of_birth=dob,
                nationality=nat,
                postcode=postcode,
                home_office_ref="",
            ),
        ]
        groups.append(records)
    return groups
