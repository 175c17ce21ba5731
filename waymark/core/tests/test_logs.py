"""A refused request is one log line; a server error keeps its traceback."""

from __future__ import annotations

import logging
import sys

from waymark.core.logs import ClientErrorsWithoutTraceback


def _record(status: int) -> logging.LogRecord:
    try:
        raise PermissionError("no")
    except PermissionError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "x", (), exc_info)
    record.status_code = status
    return record


def test_a_403_loses_its_traceback_and_a_500_keeps_it():
    keep = ClientErrorsWithoutTraceback()
    forbidden, broken = _record(403), _record(500)
    assert keep.filter(forbidden) and keep.filter(broken)
    assert forbidden.exc_info is None
    assert broken.exc_info is not None
