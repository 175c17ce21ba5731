"""Forms of the linkage pages, by sub-domain: ``imports`` (the import wizard), ``review`` (the
clerical decision, the review queue filter, the incremental-match trial) and ``bulk`` (starting a
bulk check, deciding a match). The services validate again; these give the GOV.UK messages.
Each module's ``DECISIONS`` (the choices of its decision form) stays in that module."""

from waymark.linkage.forms.bulk import BulkCheckForm, BulkMatchDecisionForm
from waymark.linkage.forms.imports import (
    SOURCE_KIND_HINTS,
    ColumnMappingForm,
    ImportConfirmForm,
    ImportUploadForm,
)
from waymark.linkage.forms.review import (
    DECISION_HINTS,
    SEX_CHOICES,
    MatchTrialForm,
    PairDecisionForm,
    QueueFilterForm,
)

__all__ = [
    "DECISION_HINTS",
    "SEX_CHOICES",
    "SOURCE_KIND_HINTS",
    "BulkCheckForm",
    "BulkMatchDecisionForm",
    "ColumnMappingForm",
    "ImportConfirmForm",
    "ImportUploadForm",
    "MatchTrialForm",
    "PairDecisionForm",
    "QueueFilterForm",
]
