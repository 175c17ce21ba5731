"""Guidance hub pages: everyone signed in may read and search; publishers publish and revise.

Thin: read through selectors, validate with a form, call one service, show a refusal as a GOV.UK
error summary."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from waymark.core.forms import form_add_service_errors
from waymark.core.permissions import no_personal_data, requires, signed_in
from waymark.guidance import forms as f
from waymark.guidance import rules, selectors, services
from waymark.guidance.permissions import PUBLISH_GUIDANCE

PUBLISH = PUBLISH_GUIDANCE


@no_personal_data
@signed_in
def index(request):
    return render(
        request,
        "guidance/index.html",
        {
            "groups": selectors.guidance_list_by_module(),
            "can_publish": request.user.has_perm(PUBLISH),
        },
    )


@no_personal_data
@signed_in
def search(request):
    query = request.GET.get("q", "").strip()
    results = selectors.guidance_search_results(query) if query else []
    return render(request, "guidance/search.html", {"query": query, "results": results})


def _page_context(request, page, shown) -> dict:
    return {
        "page": page,
        "shown": shown,
        "paragraphs": selectors.paragraphs(shown.body),
        "versions": selectors.guidance_versions(page),
        "module_label": rules.MODULES.get(page.module, page.module),
        "can_publish": request.user.has_perm(PUBLISH),
    }


@no_personal_data
@signed_in
def page(request, slug):
    found = selectors.guidance_get(slug)
    return render(request, "guidance/page.html", _page_context(request, found, found))


@no_personal_data
@signed_in
def version(request, slug, version):
    found = selectors.guidance_get(slug)
    if version == found.version:
        return redirect("guidance:page", found.slug)
    shown = selectors.guidance_version_get(found, version)
    return render(request, "guidance/page.html", _page_context(request, found, shown))


@no_personal_data
@requires(PUBLISH)
@require_http_methods(["GET", "POST"])
def publish(request):
    form = f.GuidancePublishForm(request.POST or None, initial={"change_note": "First published"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.guidance_publish(actor=request.user, **data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Published {created.title}")
            return redirect("guidance:page", created.slug)
    return render(
        request,
        "guidance/form.html",
        {
            "form": form,
            "title": "Publish a guidance page",
            "submit": "Publish",
            "page": None,
            "module_items": [
                {"value": k, "text": v, "selected": form["module"].value() == k}
                for k, v in rules.MODULES.items()
            ],
        },
    )


@no_personal_data
@requires(PUBLISH)
@require_http_methods(["GET", "POST"])
def revise(request, slug):
    found = selectors.guidance_get(slug)
    initial = {
        "title": found.title,
        "summary": found.summary,
        "body": found.body,
        "owner_team": found.owner_team,
    }
    form = f.GuidanceReviseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            revised = services.guidance_revise(actor=request.user, page=found, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Published version {revised.version} of {revised.title}")
            return redirect("guidance:page", revised.slug)
    return render(
        request,
        "guidance/form.html",
        {
            "form": form,
            "title": f"Revise {found.title}",
            "submit": "Publish new version",
            "page": found,
        },
    )
