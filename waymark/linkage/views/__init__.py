"""Pages of record linkage, by sub-domain: ``imports`` (the import wizard and its reports),
``review`` (the dashboard, the review queue, a pair, a source record, runs, the incremental match,
the person's "Linked records" tab) and ``bulk`` (bulk checks and the ownership clean-up). Every
page is re-exported here for ``urls.py``."""

from waymark.linkage.views.bulk import (
    bulk_detail,
    bulk_list,
    bulk_match,
    bulk_new,
    bulk_new_criminality,
    ownership_page,
    ownership_run,
)
from waymark.linkage.views.imports import (
    import_cancel,
    import_check,
    import_detail,
    import_list,
    import_map,
    import_new,
    import_rejections,
    import_report,
    import_warnings,
)
from waymark.linkage.views.review import (
    home,
    match,
    pair,
    person_records,
    record,
    review_queue,
    run_detail,
    run_start,
    runs,
)

__all__ = [
    "bulk_detail",
    "bulk_list",
    "bulk_match",
    "bulk_new",
    "bulk_new_criminality",
    "home",
    "import_cancel",
    "import_check",
    "import_detail",
    "import_list",
    "import_map",
    "import_new",
    "import_rejections",
    "import_report",
    "import_warnings",
    "match",
    "ownership_page",
    "ownership_run",
    "pair",
    "person_records",
    "record",
    "review_queue",
    "run_detail",
    "run_start",
    "runs",
]
