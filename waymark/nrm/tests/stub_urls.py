"""The site's URLs with a stand-in for every ``nrm:`` page another helper writes that is not yet
in this branch, so that pages linking to them by name can be tested before the branches meet.
Once every page exists this adds nothing (use with ``@pytest.mark.urls``)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import URLPattern, include, path

from config import urls as site
from waymark.nrm import urls as nrm_urls

OTHER_PAGES = {
    "referral-new": "referrals/new/",
    "referral": "referrals/<int:pk>/",
    "my-referrals": "my-referrals/",
    "check": "checks/<int:pk>/do/",
    "decision": "decisions/<int:pk>/",
    "safeguarding-queue": "safeguarding/",
    "duty-line": "duty-line/",
    "superseded": "superseded/",
    "figures": "figures/",
}


def _stub(request, **kwargs):
    return HttpResponse("stand-in")


_present = {p.name for p in nrm_urls.urlpatterns if isinstance(p, URLPattern)}
_patterns = [
    *nrm_urls.urlpatterns,
    *(path(route, _stub, name=name) for name, route in OTHER_PAGES.items() if name not in _present),
]
urlpatterns = [
    path("nrm/", include((_patterns, "nrm"), namespace="nrm"))
    if getattr(p, "pattern", None) is not None and str(p.pattern) == "nrm/"
    else p
    for p in site.urlpatterns
]
