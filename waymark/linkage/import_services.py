"""The import services' old path, kept for the callers outside the app (``bench/linkage_parts.py``,
``tests/browser/test_linkage_journey.py``). The services are ``waymark.linkage.services.imports``."""

from waymark.linkage.services._import_rows import RECORD_FIELDS, UPDATE_FIELDS
from waymark.linkage.services.import_upload import file_too_large_message, import_upload
from waymark.linkage.services.imports import (
    CANCELLABLE,
    FINISHED,
    PERMISSION,
    REMAPPABLE,
    import_cancel,
    import_check,
    import_confirm,
    import_execute,
    import_map,
)

__all__ = [
    "CANCELLABLE",
    "FINISHED",
    "PERMISSION",
    "RECORD_FIELDS",
    "REMAPPABLE",
    "UPDATE_FIELDS",
    "file_too_large_message",
    "import_cancel",
    "import_check",
    "import_confirm",
    "import_execute",
    "import_map",
    "import_upload",
]
