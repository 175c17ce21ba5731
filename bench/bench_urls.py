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


@signed_in
def bare_page(request):
    with connection.cursor() as cursor:
        for sql in BARE_SQL:
            cursor.execute(sql)
            cursor.fetchall()
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [*site_urlpatterns, path("__bench__/bare/", bare_page, name="bench-bare")]
