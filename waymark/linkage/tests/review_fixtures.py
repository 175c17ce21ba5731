"""Rows for the review-page tests, built directly on the models (an import, source records with
their people, a linkage run with a trained-looking model, a pending pair with its reasons), so the
page tests do not depend on the import or the engine."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import Group

from waymark.accounts.models import Team, User
from waymark.accounts.roles import ROLES
from waymark.accounts.services import roles_sync
from waymark.core import clock
from waymark.linkage import rules
from waymark.linkage.models import (
    CandidatePair,
    ImportJob,
    ImportStatus,
    LinkageRun,
    PairStatus,
    RunStatus,
    SourceKind,
    SourceRecord,
)
from waymark.people import services as people_services

PASSWORD = "a-long-test-password-123"
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=clock.LONDON)
_seq = itertools.count(1)

CONTRIBUTIONS: list[dict[str, Any]] = [
    {
        "field": "name",
        "description": "Name",
        "label": "Both names spelled nearly the same (typing error)",
        "bayes_factor": 2**6.1,
        "weight": 6.1,
        "left": "AMIR HADDAD",
        "right": "AMIR HADAD",
    },
    {
        "field": "dob",
        "description": "Date of birth",
        "label": "Day and month transposed",
        "bayes_factor": 2**3.4,
        "weight": 3.4,
        "left": "1990-05-07",
        "right": "1990-07-05",
    },
    {
        "field": "home_office_ref",
        "description": "Home Office reference",
        "label": "Home Office reference different",
        "bayes_factor": 2**-4.2,
        "weight": -4.2,
        "left": "H1234567",
        "right": "H7654321",
    },
    {
        "field": "pnc_id",
        "description": "Police National Computer ID",
        "label": "Police National Computer ID missing",
        "bayes_factor": 1.0,
        "weight": 0.0,
        "left": "",
        "right": "",
    },
    {
        "field": "nationality",
        "description": "Nationality",
        "label": "Same nationality",
        "bayes_factor": 2**2.0,
        "weight": 2.0,
        "left": "SYR",
        "right": "SYR",
    },
]
PAIR_WEIGHT = 1.8  # the prior (about -5.5) plus the contributions above
PAIR_PROBABILITY = 0.915

MODEL: dict[str, Any] = {
    "probability_two_random_records_match": 2.1e-5,
    "comparisons": [
        {
            "output_column_name": "name",
            "comparison_description": "Forename and surname",
            "comparison_levels": [
                {
                    "sql_condition": "given_std_l IS NULL",
                    "label_for_charts": "Name missing",
                    "is_null_level": True,
                },
                {
                    "sql_condition": "x",
                    "label_for_charts": "Forename and surname the same",
                    "m_probability": 0.82,
                    "u_probability": 0.0004,
                },
                {
                    "sql_condition": "ELSE",
                    "label_for_charts": "Names different",
                    "m_probability": 0.03,
                    "u_probability": 0.98,
                },
            ],
        },
        {
            "output_column_name": "dob",
            "comparison_description": "Date of birth",
            "comparison_levels": [
                {
                    "sql_condition": "dob_l = dob_r",
                    "label_for_charts": "Same date of birth",
                    "m_probability": 0.9,
                    "u_probability": 0.00003,
                },
                {
                    "sql_condition": "ELSE",
                    "label_for_charts": "Dates of birth different",
                    "m_probability": 0.05,
                    "u_probability": 0.99,
                },
            ],
        },
    ],
}
ACCURACY = {
    "pairwise": {
        "precision": 0.991,
        "recall": 0.978,
        "f1": 0.9845,
        "true_pairs": 1200,
        "predicted_pairs": 1184,
    },
    "clusters": {
        "precision": 0.987,
        "recall": 0.981,
        "f1": 0.9840,
        "true_pairs": 1200,
        "predicted_pairs": 1193,
    },
    "records_with_truth": 2000,
}


def user_make(
    role_key: str, team: Team | None = None, *, first_name: str = "", last_name: str = ""
) -> User:
    roles_sync()
    n = next(_seq)
    user = User.objects.create_user(
        username=f"{role_key}-{n}",
        password=PASSWORD,
        grade=ROLES[role_key].demo_grade,
        first_name=first_name or role_key.replace("_", " ").title(),
        last_name=last_name or f"Reviewer{n}",
    )
    if team is not None:
        user.teams.add(team)
    user.groups.add(Group.objects.get(name=role_key))
    return User.objects.get(pk=user.pk)


def import_job_make(
    kind: str = SourceKind.LEGACY_CASE, *, label: str = "CID extract, Nov 2026"
) -> ImportJob:
    return ImportJob.objects.create(
        source_kind=kind,
        label=label,
        file_name=f"extract-{next(_seq)}.csv",
        file_format="csv",
        status=ImportStatus.COMPLETED,
        rows_read=2,
        rows_created=2,
        created_at=clock.now(),
        finished_at=clock.now(),
    )


def record_make(
    job: ImportJob,
    *,
    source_ref: str,
    given_names: str,
    family_name: str,
    date_of_birth: date | None,
    person=None,
    **fields,
) -> SourceRecord:
    now = clock.now()
    values = {
        "given_std": given_names.upper(),
        "family_std": family_name.upper(),
        "nationality": "SYR",
        "given_phonetic": given_names.upper()[:3],
        "family_phonetic": family_name.upper()[:3],
        "content_hash": f"hash-{source_ref}",
        **fields,
    }
    return SourceRecord.objects.create(
        source_kind=job.source_kind,
        source_ref=source_ref,
        import_job=job,
        person=person,
        given_names=given_names,
        family_name=family_name,
        date_of_birth=date_of_birth,
        created_at=now,
        updated_at=now,
        **values,
    )


def person_for(given_names: str, family_name: str, date_of_birth: date | None, *, owning_team=None):
    return people_services.person_create(
        actor=None,
        given_names=given_names,
        family_name=family_name,
        date_of_birth=date_of_birth,
        nationalities=("SYR",),
        owning_team=owning_team,
    )


def run_make(**fields) -> LinkageRun:
    values = {
        "status": RunStatus.COMPLETED,
        "phase": "Finished",
        "upper_threshold": rules.upper_threshold(),
        "lower_threshold": rules.lower_threshold(),
        "model": MODEL,
        "records": 2,
        "comparisons": 1,
        "pairs_review": 1,
        "clusters": 2,
        "people_created": 2,
        "review_tasks": 1,
        "accuracy": ACCURACY,
        "timings": {"train": 1.25, "predict": 0.5, "write_people": 0.2},
        "created_at": clock.now(),
        "started_at": clock.now(),
        "finished_at": clock.now(),
        **fields,
    }
    return LinkageRun.objects.create(**values)


def pair_make(
    run: LinkageRun,
    a: SourceRecord,
    b: SourceRecord,
    *,
    status: str = PairStatus.PENDING,
    probability: float = PAIR_PROBABILITY,
    weight: float = PAIR_WEIGHT,
    task: bool = True,
    contributions: list[dict[str, Any]] | None = None,
) -> CandidatePair:
    from waymark.work.services import task_create

    left, right = sorted((a, b), key=lambda r: r.pk)
    now = clock.now()
    pair = CandidatePair.objects.create(
        run=run,
        record_l=left,
        record_r=right,
        match_probability=probability,
        match_weight=weight,
        contributions=contributions or CONTRIBUTIONS,
        status=status,
        created_at=now,
        updated_at=now,
    )
    if task and status == PairStatus.PENDING:
        pair.task = task_create(
            actor=None,
            task_type=rules.TASK_REVIEW_PAIR,
            title=f"Are these the same person? Records {left.pk} and {right.pk}",
            subject=pair,
        )
        pair.save(update_fields=["task"])
    return pair


def review_world(*, owning_team=None) -> dict[str, Any]:
    """An import of two legacy cases, each already its own person, scored as a pending pair."""
    job = import_job_make()
    dob_a, dob_b = date(1990, 5, 7), date(1990, 7, 5)
    person_a = person_for("Amir", "Haddad", dob_a, owning_team=owning_team)
    person_b = person_for("Amir", "Hadad", dob_b, owning_team=owning_team)
    left = record_make(
        job,
        source_ref="CASE-0001",
        given_names="Amir",
        family_name="Haddad",
        date_of_birth=dob_a,
        person=person_a,
        home_office_ref="H1234567",
        postcode="E1 6AN",
        postcode_std="E1 6AN",
        extra={"case_type": "Asylum", "owning_unit": "No unit"},
    )
    right = record_make(
        job,
        source_ref="CASE-0002",
        given_names="Amir",
        family_name="Hadad",
        date_of_birth=dob_b,
        person=person_b,
        home_office_ref="H7654321",
        extra={"case_type": "Criminal casework", "owning_unit": "Not in use"},
    )
    run = run_make()
    pair = pair_make(run, left, right)
    return {
        "job": job,
        "left": left,
        "right": right,
        "person_a": person_a,
        "person_b": person_b,
        "run": run,
        "pair": pair,
    }
