"""The records a bulk check gives the engine: each person of the population as one engine record,
standardised exactly as source records are, the police records of the check's import, and the
model that scores them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from waymark.linkage import engine, standardise
from waymark.linkage.models import BulkCheck, LinkageRun, RunStatus, SourceKind, SourceRecord
from waymark.linkage.services._common import engine_records
from waymark.people.models import Person, ReferenceType, Sex

# The engine's source kind for a Waymark person (police records keep theirs).
PERSON_KIND = "person"
PERSON_SEX: dict[str, str] = {Sex.MALE: "M", Sex.FEMALE: "F"}


def _standardised(mapped: dict[str, Any]) -> dict[str, Any]:
    """``standardise.record_standardise`` with any field it refuses left out (a person's own
    details are already checked; a value the linkage cannot read only makes a weaker comparison)."""
    for _attempt in range(len(mapped)):
        try:
            return standardise.record_standardise(mapped)
        except standardise.RowRejected as rejected:
            fields = {r.get("field") for r in getattr(rejected, "reasons", [])}
            fields.discard("source_ref")
            if not fields & set(mapped):
                break
            mapped = {k: ("" if k in fields else v) for k, v in mapped.items()}
    return {}


def person_unique_id(pk: int) -> str:
    return f"{PERSON_KIND}:{pk}"


def person_of_unique_id(unique_id: str) -> int:
    return int(unique_id.split(":", 1)[1])


def person_engine_records(people: QuerySet[Person]) -> list[dict[str, Any]]:
    """One engine record per person (``unique_id`` 'person:<pk>'): the preferred name, date of
    birth, sex, first nationality, the latest address's postcode, and the Home Office and PNC
    references, standardised exactly as source records are."""
    out = []
    qs = people.order_by("pk").prefetch_related("nationalities", "addresses", "references")
    for person in qs.iterator(chunk_size=2000):
        refs: dict[str, str] = {}
        for ref in person.references.all():
            refs.setdefault(ref.reference_type, ref.value)
        nationality = next((n.country for n in person.nationalities.all()), "")
        address = next(iter(person.addresses.all()), None)  # ordered newest first
        mapped = {
            "source_ref": person.reference,
            "given_names": person.given_names,
            "family_name": person.family_name,
            "date_of_birth": person.date_of_birth or "",
            "sex": PERSON_SEX.get(person.sex, ""),
            "nationality": nationality,
            "postcode": address.postcode if address is not None else "",
            "home_office_ref": refs.get(ReferenceType.HOME_OFFICE, ""),
            "pnc_id": refs.get(ReferenceType.PNC, ""),
        }
        std = _standardised(mapped)
        if std:
            out.append(standardise.engine_record(person_unique_id(person.pk), PERSON_KIND, std))
    return out


def police_records(check: BulkCheck) -> QuerySet[SourceRecord]:
    """The police records of the check's import."""
    return SourceRecord.objects.filter(
        import_job_id=check.police_import_id, source_kind=SourceKind.POLICE
    )


def _police_engine_records(qs: QuerySet[SourceRecord]) -> list[dict[str, Any]]:
    return engine_records(qs)


def _model(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The latest completed linkage run's model, else one trained on these records."""
    latest = (
        LinkageRun.objects.filter(status=RunStatus.COMPLETED)
        .exclude(model={})
        .order_by("-finished_at", "-pk")
        .first()
    )
    if latest is not None and latest.model:
        return latest.model
    return engine.model_train(records)
