"""URLconf for the page benchmarks: the real site plus one bare view as the baseline.

The bare view runs a list of SQL statements captured from a real page (set by the benchmark)
with a raw cursor and returns a tiny response: the same middleware and the same SQL, without the
ORM, the Jinja rendering or any Python logic. The difference is what the page itself costs.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from waymark.core.permissions import signed_in

BARE_SQL: list[str] = []
# The same statements with their parameters apart, for the baseline that runs each as a
# prepared statement (PostgreSQL), planned once a connection as the page's own prepared
# statements are (the person page's summary, the signed-in user).
BARE_STATEMENTS: list[tuple[str, tuple | dict]] = []


@signed_in
def bare_page(request):
    with connection.cursor() as cursor:
        for sql in BARE_SQL:
            cursor.execute(sql)
            cursor.fetchall()
    return HttpResponse("ok", content_type="text/plain")


@signed_in
def bare_prepared_page(request):
    from waymark.core.kept_cursors import fetch_all, numbered

    for sql, params in BARE_STATEMENTS:
        if isinstance(params, dict):  # named parameters (%(name)s): Django's cursor runs it
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()
            continue
        fetch_all(connection, sql, params, sql_numbered=_numbered(sql, numbered), prepared=True)
    return HttpResponse("ok", content_type="text/plain")


_NUMBERED: dict[str, str] = {}


def _numbered(sql, numbered):
    if sql not in _NUMBERED:
        _NUMBERED[sql] = numbered(sql)
    return _NUMBERED[sql]


urlpatterns = [
    *site_urlpatterns,
    path("__bench__/bare/", bare_page, name="bench-bare"),
    path("__bench__/bare-prepared/", bare_prepared_page, name="bench-bare-prepared"),
]
