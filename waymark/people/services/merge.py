"""Merging two records found to be the same person, and undoing a merge: every row moves and
its id is kept, so that the undo moves back exactly those rows."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction

from waymark.core import clock
from waymark.core.audit import audit_record
from waymark.core.models import AuditAction
from waymark.core.types import Actor
from waymark.people.models import (
    Address,
    BailGrant,
    Conviction,
    ExternalReference,
    Flag,
    NameType,
    Note,
    Person,
    PersonDateOfBirth,
    PersonMerge,
    PersonName,
    PersonNationality,
    PhoneNumber,
    ProtectedCharacteristics,
    RecordStatus,
    TimelineEvent,
    Vulnerability,
    VulnerabilityAssessment,
)
from waymark.people.services._common import MODULE, _require, _user
from waymark.people.services.timeline import timeline_event_record

# People's own tables moved by a merge. DOBs and nationalities already on the survivor stay put
# (they would be duplicates); every other row moves.
_OWN_MOVED = [
    PersonName,
    PersonDateOfBirth,
    PersonNationality,
    ExternalReference,
    Address,
    PhoneNumber,
    Conviction,
    Vulnerability,
    Flag,
    BailGrant,
    TimelineEvent,
    Note,
]
_DEDUPLICATED = {PersonDateOfBirth: "date_of_birth", PersonNationality: "country"}
_SKIP_RELATIONS = {"merged_records", "merges_absorbed", "merges_into", "ownership_history"}


def _other_app_relations() -> list[tuple[type[models.Model], str]]:
    """Foreign keys to Person from other apps (tasks, documents, module records): these rows move
    with the person too, so nothing is left behind on the merged record."""
    relations = []
    for rel in Person._meta.related_objects:
        model = rel.related_model
        if not isinstance(model, type) or model._meta.app_label == "people" or not rel.one_to_many:
            continue
        relations.append((model, rel.field.name))
    return relations


def person_merge(*, actor: Actor, survivor: Person, merged: Person, reason: str) -> PersonMerge:
    """Merge ``merged`` into ``survivor``: every row moves to the survivor and its id is recorded
    so that ``person_unmerge`` can move exactly those rows back."""
    _require(actor, "people.merge_person", "merge person records")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why these records are the same person"})
    if survivor.pk == merged.pk:
        raise ValidationError("A record cannot be merged with itself")
    with transaction.atomic():
        list(Person.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk]))
        survivor.refresh_from_db()
        merged.refresh_from_db()
        for person in (survivor, merged):
            if person.record_status != RecordStatus.ACTIVE:
                raise ValidationError(
                    f"{person.reference} has already been merged into another record"
                )
        now = clock.now()
        moved: dict[str, list] = {}
        for model in _OWN_MOVED:
            rows = model._default_manager.filter(person=merged)
            if model in _DEDUPLICATED:
                field = _DEDUPLICATED[model]
                existing = model._default_manager.filter(person=survivor).values_list(
                    field, flat=True
                )
                rows = rows.exclude(**{f"{field}__in": list(existing)})
            ids = sorted(rows.values_list("pk", flat=True))
            if model is PersonName:
                retyped = sorted(
                    PersonName.objects.filter(pk__in=ids, name_type=NameType.PRIMARY).values_list(
                        "pk", flat=True
                    )
                )
                PersonName.objects.filter(pk__in=retyped).update(name_type=NameType.ALIAS)
                moved["retyped_primary_names"] = retyped
            if model in (TimelineEvent, Note):
                model._default_manager.filter(pk__in=ids, original_person_id__isnull=True).update(
                    original_person_id=merged.pk
                )
            model._default_manager.filter(pk__in=ids).update(person=survivor)
            moved[model._meta.label_lower] = ids
        protected = ProtectedCharacteristics.objects.filter(person=merged).first()
        if (
            protected is not None
            and not ProtectedCharacteristics.objects.filter(person=survivor).exists()
        ):
            ProtectedCharacteristics.objects.filter(pk=protected.pk).update(person=survivor)
            moved["people.protectedcharacteristics"] = [protected.pk]
        for model, field in _other_app_relations():
            ids = sorted(
                model._default_manager.filter(**{field: merged}).values_list("pk", flat=True)
            )
            if ids:
                model._default_manager.filter(pk__in=ids).update(**{field: survivor})
            moved[f"{model._meta.label_lower}:{field}"] = ids
        survivor_before = {}
        if (
            moved.get("people.vulnerability")
            and survivor.vulnerability_assessment != VulnerabilityAssessment.VULNERABLE
        ):
            survivor_before["vulnerability_assessment"] = survivor.vulnerability_assessment
            survivor.vulnerability_assessment = VulnerabilityAssessment.VULNERABLE
        moved["survivor_before"] = survivor_before  # type: ignore[assignment]
        survivor.updated_at = now
        survivor.save()
        merged.record_status = RecordStatus.MERGED
        merged.merged_into = survivor
        merged.updated_at = now
        merged.save(update_fields=["record_status", "merged_into", "updated_at"])
        merge = PersonMerge.objects.create(
            survivor=survivor,
            merged=merged,
            reason=reason[:500],
            performed_by=_user(actor),
            performed_at=now,
            moved=moved,
        )
        counts = {k: len(v) for k, v in moved.items() if isinstance(v, list) and v}
        for person in (survivor, merged):
            audit_record(
                actor=actor,
                action=AuditAction.COMBINATION,
                verb="person.merged",
                target=merge,
                person_id=person.pk,
                payload={
                    "survivor": survivor.reference,
                    "merged": merged.reference,
                    "moved": counts,
                    "reason": reason,
                },
            )
        timeline_event_record(
            person=survivor,
            module=MODULE,
            event_type="person.merged",
            summary=f"{merged.reference} merged into this record",
            actor=actor,
            related=merge,
            detail={"reason": reason, "merged": merged.reference},
        )
        timeline_event_record(
            person=merged,
            module=MODULE,
            event_type="person.merged_into",
            summary=f"Merged into {survivor.reference}",
            actor=actor,
            related=merge,
            detail={"reason": reason, "survivor": survivor.reference},
        )
    return merge


def person_unmerge(*, actor: Actor, merge: PersonMerge, reason: str) -> PersonMerge:
    """Undo a merge: move back exactly the rows it moved and make the merged record active again."""
    _require(actor, "people.merge_person", "unmerge person records")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the merge is being undone"})
    with transaction.atomic():
        merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise ValidationError("This merge has already been undone")
        survivor = Person.objects.select_for_update().get(pk=merge.survivor_id)
        merged = Person.objects.select_for_update().get(pk=merge.merged_id)
        if survivor.record_status != RecordStatus.ACTIVE:
            raise ValidationError(
                f"{survivor.reference} has since been merged into another record: undo that merge first"
            )
        moved = merge.moved
        own = {m._meta.label_lower: m for m in [*_OWN_MOVED, ProtectedCharacteristics]}
        for key, ids in moved.items():
            if not isinstance(ids, list) or not ids or key == "retyped_primary_names":
                continue
            if key in own:
                model, field = own[key], "person"
            else:
                label, _, field = key.partition(":")
                try:
                    model = apps.get_model(label)
                except LookupError:  # pragma: no cover - an app removed since the merge
                    continue
            model._default_manager.filter(pk__in=ids, **{field: survivor}).update(**{field: merged})
            if model in (TimelineEvent, Note):
                model._default_manager.filter(pk__in=ids, original_person_id=merged.pk).update(
                    original_person_id=None
                )
        PersonName.objects.filter(pk__in=moved.get("retyped_primary_names", [])).update(
            name_type=NameType.PRIMARY
        )
        now = clock.now()
        for field, value in (moved.get("survivor_before") or {}).items():
            setattr(survivor, field, value)
        survivor.updated_at = now
        survivor.save()
        merged.record_status = RecordStatus.ACTIVE
        merged.merged_into = None
        merged.updated_at = now
        merged.save(update_fields=["record_status", "merged_into", "updated_at"])
        merge.undone_at = now
        merge.undone_by = _user(actor)
        merge.undo_reason = reason[:500]
        merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
        for person in (survivor, merged):
            audit_record(
                actor=actor,
                action=AuditAction.COMBINATION,
                verb="person.unmerged",
                target=merge,
                person_id=person.pk,
                payload={
                    "survivor": survivor.reference,
                    "merged": merged.reference,
                    "reason": reason,
                },
            )
        timeline_event_record(
            person=survivor,
            module=MODULE,
            event_type="person.unmerged",
            summary=f"Merge with {merged.reference} undone",
            actor=actor,
            related=merge,
            detail={"reason": reason},
        )
        timeline_event_record(
            person=merged,
            module=MODULE,
            event_type="person.unmerged",
            summary=f"Merge into {survivor.reference} undone; record active again",
            actor=actor,
            related=merge,
            detail={"reason": reason},
        )
    return merge
