"""Guidance hub pages: everyone signed in may read and search; publishers publish and revise.

Thin: read through selectors, validate with a form, call one service, show a refusal as a GOV.UK
error summary."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.permissions import no_personal_data, requires, signed_in
from waymark.guidance import forms as f
from waymark.guidance import links, rules, selectors, services
from waymark.guidance.models import ApprovalState
from waymark.guidance.permissions import PUBLISH_GUIDANCE

PUBLISH = PUBLISH_GUIDANCE


@no_personal_data
@signed_in
def index(request):
    return render(
        request,
        "guidance/index.html",
        {
            "groups": selectors.guidance_list_by_module(request.user),
            "can_publish": request.user.has_perm(PUBLISH),
        },
    )


@no_personal_data
@signed_in
def search(request):
    query = request.GET.get("q", "").strip()
    results = selectors.guidance_search_results(query, request.user) if query else []
    return render(request, "guidance/search.html", {"query": query, "results": results})


def _page_context(request, page, shown) -> dict:
    return {
        "page": page,
        "shown": shown,
        "paragraphs": selectors.paragraphs(shown.body),
        "versions": selectors.guidance_versions(page, request.user),
        "drafts": selectors.guidance_drafts(page) if request.user.has_perm(PUBLISH) else [],
        "module_label": rules.MODULES.get(page.module, page.module),
        "can_publish": request.user.has_perm(PUBLISH),
        "states": dict(ApprovalState.choices),
    }


@no_personal_data
@signed_in
def page(request, slug):
    found = selectors.guidance_get(slug, request.user)
    if found.state == ApprovalState.DRAFT:
        # A page never yet approved: its publishers read its draft version.
        shown = selectors.guidance_version_get(found, found.version, request.user)
        return render(request, "guidance/page.html", _page_context(request, found, shown))
    return render(request, "guidance/page.html", _page_context(request, found, found))


@no_personal_data
@signed_in
def version(request, slug, version):
    found = selectors.guidance_get(slug, request.user)
    if version == found.version:
        return redirect("guidance:page", found.slug)
    shown = selectors.guidance_version_get(found, version, request.user)
    return render(request, "guidance/page.html", _page_context(request, found, shown))


@no_personal_data
@requires(PUBLISH)
@require_http_methods(["GET", "POST"])
def publish(request):
    form = f.GuidancePublishForm(request.POST or None, initial={"change_note": "First published"})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["draft"] = data.pop("how", "") == "draft"
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
        status=400 if form.is_bound and form.errors else 200,
    )


@no_personal_data
@requires(PUBLISH)
@require_http_methods(["GET", "POST"])
def revise(request, slug):
    found = selectors.guidance_get(slug, request.user)
    initial = {
        "title": found.title,
        "summary": found.summary,
        "body": found.body,
        "owner_team": found.owner_team,
    }
    form = f.GuidanceReviseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        draft = data.pop("how", "") == "draft"
        try:
            revised = services.guidance_revise(actor=request.user, page=found, draft=draft, **data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            if draft:
                messages.success(request, f"Saved a draft of {revised.title} for approval")
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
        status=400 if form.is_bound and form.errors else 200,
    )


@no_personal_data
@requires(PUBLISH)
@require_http_methods(["GET", "POST"])
def approve(request, slug, version):
    """Approve a version: someone other than its author (refused with the reason otherwise)."""
    found = selectors.guidance_get(slug, request.user)
    shown = selectors.guidance_version_get(found, version, request.user)
    form = f.GuidanceApproveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.guidance_approve(
                actor=request.user,
                version=shown,
                effective_from=form.cleaned_data["effective_from"],
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Approved version {shown.version} of {shown.title}")
            return redirect("guidance:page", found.slug)
    return render(
        request,
        "guidance/decide.html",
        {
            "form": form,
            "fields": form_fields(form),
            "page": found,
            "shown": shown,
            "title": f"Approve version {shown.version} of {shown.title}",
            "submit": "Approve",
            "intro": (
                "This draft comes into force when approved; staff see it from that date."
                if shown.state == ApprovalState.DRAFT
                else "This version was published with its second check owed: approving it "
                "records that check."
            ),
            "state_label": ApprovalState(shown.state).label,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@no_personal_data
@requires(PUBLISH)
@require_http_methods(["GET", "POST"])
def withdraw(request, slug):
    found = selectors.guidance_get(slug, request.user)
    form = f.GuidanceWithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.guidance_withdraw(
                actor=request.user, page=found, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, f"Withdrew {found.title}")
            return redirect("guidance:page", found.slug)
    return render(
        request,
        "guidance/decide.html",
        {
            "form": form,
            "fields": form_fields(form),
            "page": found,
            "shown": None,
            "title": f"Withdraw {found.title}",
            "submit": "Withdraw the page",
            "intro": "Staff will no longer find the page in the list or search; a link to it "
            "shows that it was withdrawn and why. Its versions stay readable.",
            "state_label": ApprovalState(found.state).label,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@no_personal_data
@requires(PUBLISH)
def link_check(request):
    """Every link to guidance and those that lead nowhere (the sweep's findings, live)."""
    return render(
        request,
        "guidance/links.html",
        {"broken": links.guidance_broken_links(), "links": links.guidance_links()},
    )
