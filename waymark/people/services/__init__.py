"""Writes to the person-centric record (platform §1, §5, §6).

Every function checks the actor's permission (``actor=None`` is the system or a machine client,
named by the acting context), validates, writes inside one transaction, audits (old and new values
for changes) and writes the person's timeline. Timeline events and notes are append-only: a note
is corrected by a new note that keeps the original.

Split by sub-domain; every name is re-exported here, so callers write
``services.timeline_event_record``: ``timeline`` (the one timeline, consultation of the record),
``records`` (create, update), ``bulk`` (many people at once), ``identity`` (names, dates of birth,
nationalities, references), ``contact`` (addresses, phones), ``criminality`` (convictions),
``vulnerability``, ``flags``, ``protected`` (protected characteristics), ``ownership``, ``notes``
and ``merge``.
"""

from waymark.people.services._common import MODULE
from waymark.people.services.bulk import people_bulk_create
from waymark.people.services.contact import address_add, phone_add
from waymark.people.services.criminality import conviction_add
from waymark.people.services.flags import NEXUS_CAVEAT, flag_end, flag_set
from waymark.people.services.identity import (
    alias_add,
    date_of_birth_add,
    nationality_add,
    reference_add,
    references_add_many,
)
from waymark.people.services.locks import people_lock
from waymark.people.services.merge import person_merge, person_unmerge
from waymark.people.services.notes import note_add, note_correct
from waymark.people.services.ownership import ownership_change
from waymark.people.services.protected import (
    PROTECTED_FIELDS,
    protected_characteristic_expression,
    protected_characteristics_consulted,
    protected_characteristics_for_monitoring,
    protected_characteristics_record,
    protected_characteristics_view,
)
from waymark.people.services.records import (
    PROFILE_FIELDS,
    UPDATABLE_FIELDS,
    bail_grant_add,
    deportation_decision_date_set,
    person_create,
    person_update,
)
from waymark.people.services.timeline import (
    person_record_view,
    timeline_event_record,
    timeline_events_bulk_record,
)
from waymark.people.services.vulnerability import (
    vulnerability_assessment_record,
    vulnerability_record,
)

__all__ = [
    "MODULE",
    "NEXUS_CAVEAT",
    "PROFILE_FIELDS",
    "PROTECTED_FIELDS",
    "UPDATABLE_FIELDS",
    "address_add",
    "alias_add",
    "bail_grant_add",
    "conviction_add",
    "date_of_birth_add",
    "deportation_decision_date_set",
    "flag_end",
    "flag_set",
    "nationality_add",
    "note_add",
    "note_correct",
    "ownership_change",
    "people_bulk_create",
    "people_lock",
    "person_create",
    "person_merge",
    "person_record_view",
    "person_unmerge",
    "person_update",
    "phone_add",
    "protected_characteristic_expression",
    "protected_characteristics_consulted",
    "protected_characteristics_for_monitoring",
    "protected_characteristics_record",
    "protected_characteristics_view",
    "reference_add",
    "references_add_many",
    "timeline_event_record",
    "timeline_events_bulk_record",
    "vulnerability_assessment_record",
    "vulnerability_record",
]
