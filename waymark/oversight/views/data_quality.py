"""Data-quality pages (issue 20 item 4): every module's rules by GDQF dimension with their latest
score, state and trend; one rule's scores by team and its failing records with their owners and
tasks; and measuring now. Thin: reads through ``selectors.data_quality``, writes through
``services.data_quality``.

The dashboard is aggregate (``no_personal_data``); the rule page lists records that name people,
so it is a consultation like any other page (the personal-data middleware logs it) and a
restricted record is withheld from a user who may not see it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from waymark.core.audit import note_consulted
from waymark.core.data_quality import DIMENSIONS, data_quality_rules
from waymark.core.permissions import no_personal_data, requires
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.selectors import data_quality as selectors
from waymark.oversight.services import data_quality as services


@requires(perms.VIEW_DATA_QUALITY)
@no_personal_data
def data_quality(request):
    dimension = request.GET.get("dimension", "")
    dimension = dimension if dimension in DIMENSIONS else ""
    modules = sorted({r.module for r in data_quality_rules()})
    module = request.GET.get("module", "")
    module = module if module in modules else ""
    return render(
        request,
        "oversight/data_quality/dashboard.html",
        {
            "summaries": selectors.data_quality_summaries(dimension=dimension, module=module),
            "dimensions": DIMENSIONS,
            "dimension": dimension,
            "modules": modules,
            "module": module,
            "can_measure": request.user.has_perm(perms.MEASURE_DATA_QUALITY),
        },
    )


@requires(perms.VIEW_DATA_QUALITY)
def data_quality_rule(request):
    from waymark.people.permissions import RESTRICTED_LABEL, person_withheld

    key = request.GET.get("rule", "")[:80]
    if not key:  # no rule named: the first on the dashboard
        first = next(iter(data_quality_rules()), None)
        key = first.key if first is not None else ""
    summary = selectors.data_quality_detail(key)
    if summary is None:
        raise Http404("No such data-quality rule")
    failures = list(selectors.data_quality_failures(summary.rule.key))
    shown = []
    for f in failures:
        withheld = person_withheld(request.user, f.person)
        shown.append(
            {
                "failure": f,
                "label": RESTRICTED_LABEL if withheld else f.label,
                "person": None if withheld or f.person is None else f.person,
            }
        )
    note_consulted(people=[f.person_id for f in failures if f.person_id], count=len(failures))
    return render(
        request,
        "oversight/data_quality/rule.html",
        {
            "summary": summary,
            "rule": summary.rule,
            "failures": shown,
            "cap": rules.DATA_QUALITY_SAMPLE_CAP,
            "dimension_label": DIMENSIONS.get(summary.rule.dimension, summary.rule.dimension),
            "can_measure": request.user.has_perm(perms.MEASURE_DATA_QUALITY),
        },
    )


@requires(perms.MEASURE_DATA_QUALITY)
@no_personal_data
@require_http_methods(["POST"])
def data_quality_measure(request):
    rule = request.POST.get("rule", "")[:80]
    try:
        results = services.data_quality_measure(
            actor=request.user, rule_keys=[rule] if rule else None
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("oversight:data-quality")
    messages.success(request, f"Measured {len(results):,} data-quality rule(s)")
    if rule:
        return redirect(f"/oversight/data-quality/rule/?rule={rule}")
    return redirect("oversight:data-quality")


urlpatterns = [
    path("data-quality/", data_quality, name="data-quality"),
    path("data-quality/rule/", data_quality_rule, name="data-quality-rule"),
    path("data-quality/measure/", data_quality_measure, name="data-quality-measure"),
]
