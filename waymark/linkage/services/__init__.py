"""Writes of record linkage. Each is audited; the background jobs are in ``waymark.linkage.tasks``.

Split by sub-domain; every name is re-exported here, so callers write ``services.pair_decide``:
``imports`` (upload, map, check, confirm, cancel and execute an import), ``runs`` (start and run
the linkage pipeline), ``review`` (the candidate pairs a run keeps, the clerical decision on a
pair, incremental matching), ``bulk`` (bulk checks against a police records file and the decision
on each match; ``bulk_records`` the records it gives the engine) and ``ownership`` (the ownership
clean-up). ``_common`` holds what they share; ``_progress`` how a long job saves its progress.

The bulk-check populations and the ownership reads are selectors (``waymark.linkage.selectors``);
they are re-exported here too, for callers of the modules they used to live in.
"""

from waymark.linkage import engine as engine
from waymark.linkage import rules as rules
from waymark.linkage.selectors.bulk import (
    POPULATION_CHOICES,
    POPULATIONS,
    Population,
    population_all_linked,
    population_ownership_unclear,
    population_people,
    population_reporting,
)
from waymark.linkage.selectors.ownership import (
    FIGURE3_ORDER,
    conflicting_open_count,
    figure3_counts,
    findings_summary,
    linked_people,
    linked_people_without_owner_or_task,
    no_legacy_open_count,
    open_findings,
    people_to_decide,
)
from waymark.linkage.services._common import (
    ENGINE_FIELDS,
    MODULE,
    engine_records,
    linkable_records,
    matcher_get,
)
from waymark.linkage.services._import_rows import RECORD_FIELDS, UPDATE_FIELDS
from waymark.linkage.services._run_people import SEX, SOURCE_PREFERENCE, SOURCE_REFERENCE_TYPE
from waymark.linkage.services.bulk import (
    DECISIONS,
    OWNERSHIP_QUEUE,
    REVIEW_PERMISSION,
    BulkMatchAlreadyDecided,
    bulk_check_execute,
    bulk_check_start,
    bulk_match_decide,
    owner_queue,
)
from waymark.linkage.services.bulk_records import (
    PERSON_KIND,
    PERSON_SEX,
    person_engine_records,
    person_of_unique_id,
    person_unique_id,
    police_records,
)
from waymark.linkage.services.import_upload import file_too_large_message, import_upload
from waymark.linkage.services.imports import (
    CANCELLABLE,
    FINISHED,
    REMAPPABLE,
    import_cancel,
    import_check,
    import_confirm,
    import_execute,
    import_map,
)
from waymark.linkage.services.ownership import (
    OWNERSHIP_TASK_TYPE,
    UNIT_SOURCE_KINDS,
    Cat,
    Classification,
    OwnershipSummary,
    claims_classify,
    ownership_cleanup,
    teams_by_name,
)
from waymark.linkage.services.review import (
    DECISION_LABELS,
    MatchCandidate,
    PairAlreadyDecided,
    pair_decide,
    person_match,
)
from waymark.linkage.services.runs import linkage_run_execute, linkage_run_start

__all__ = [
    "CANCELLABLE",
    "DECISIONS",
    "DECISION_LABELS",
    "ENGINE_FIELDS",
    "FIGURE3_ORDER",
    "FINISHED",
    "MODULE",
    "OWNERSHIP_QUEUE",
    "OWNERSHIP_TASK_TYPE",
    "PERSON_KIND",
    "PERSON_SEX",
    "POPULATIONS",
    "POPULATION_CHOICES",
    "RECORD_FIELDS",
    "REMAPPABLE",
    "REVIEW_PERMISSION",
    "SEX",
    "SOURCE_PREFERENCE",
    "SOURCE_REFERENCE_TYPE",
    "UNIT_SOURCE_KINDS",
    "UPDATE_FIELDS",
    "BulkMatchAlreadyDecided",
    "Cat",
    "Classification",
    "MatchCandidate",
    "OwnershipSummary",
    "PairAlreadyDecided",
    "Population",
    "bulk_check_execute",
    "bulk_check_start",
    "bulk_match_decide",
    "claims_classify",
    "conflicting_open_count",
    "engine_records",
    "figure3_counts",
    "file_too_large_message",
    "findings_summary",
    "import_cancel",
    "import_check",
    "import_confirm",
    "import_execute",
    "import_map",
    "import_upload",
    "linkable_records",
    "linkage_run_execute",
    "linkage_run_start",
    "linked_people",
    "linked_people_without_owner_or_task",
    "matcher_get",
    "no_legacy_open_count",
    "open_findings",
    "owner_queue",
    "ownership_cleanup",
    "pair_decide",
    "people_to_decide",
    "person_engine_records",
    "person_match",
    "person_of_unique_id",
    "person_unique_id",
    "police_records",
    "population_all_linked",
    "population_ownership_unclear",
    "population_people",
    "population_reporting",
    "teams_by_name",
]
