"""Person pages: search, the person page with its tabs, and the forms that change the record.

Views are thin: fetch through ``access_person`` (404 if the user may not see the person), validate
a form, call one service, redirect. Every person page is logged as a consultation.

Split by page group; every view is re-exported here for ``urls.py``: ``search`` (search, add,
change details), ``record`` (the person page and its tabs), ``changes`` (forms that change the
record) and ``merge``.
"""

from waymark.people.pages import person_badges, person_form_page, person_page_context
from waymark.people.views.changes import (
    alias_add,
    flag_add,
    flag_end,
    note_add,
    note_correct,
    ownership,
    reference_add,
    vulnerability_add,
    vulnerability_assessment,
)
from waymark.people.views.merge import merge, unmerge
from waymark.people.views.record import (
    ACCESS_HISTORY_PAGE_SIZE,
    TIMELINE_PAGE_SIZE,
    person_access_history,
    person_access_history_export,
    person_detail,
    person_documents,
    person_protected_characteristics,
    person_tasks,
    person_timeline,
)
from waymark.people.views.search import (
    SEARCH_MAX_RESULTS,
    SEARCH_PAGE_SIZE,
    person_create,
    person_details_change,
    person_search,
    person_search_export,
)

__all__ = [
    "ACCESS_HISTORY_PAGE_SIZE",
    "SEARCH_MAX_RESULTS",
    "SEARCH_PAGE_SIZE",
    "TIMELINE_PAGE_SIZE",
    "alias_add",
    "flag_add",
    "flag_end",
    "merge",
    "note_add",
    "note_correct",
    "ownership",
    "person_access_history",
    "person_access_history_export",
    "person_badges",
    "person_create",
    "person_detail",
    "person_details_change",
    "person_documents",
    "person_form_page",
    "person_page_context",
    "person_protected_characteristics",
    "person_search",
    "person_search_export",
    "person_tasks",
    "person_timeline",
    "reference_add",
    "unmerge",
    "vulnerability_add",
    "vulnerability_assessment",
]
