"""Saving and deleting a person's named filters on a list page (``core.saved_views``). Both are
POSTs from the page's "Saved filters" panel and go back to that page; a refused save is shown
there, by the panel, with its GOV.UK error message."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.views.decorators.http import require_POST

from waymark.core import saved_views
from waymark.core.forms import SavedViewForm, form_add_service_errors
from waymark.core.permissions import signed_in


@signed_in
@require_POST
def saved_view_create(request):
    page = request.POST.get("page", "")
    try:
        saved_views.filter_page(page)
    except LookupError:
        raise Http404("No such page") from None
    form = SavedViewForm(request.POST)
    if form.is_valid():
        try:
            saved = saved_views.saved_view_create(
                actor=request.user,
                page=page,
                name=form.cleaned_data["name"],
                query_string=form.cleaned_data["query_string"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Your filters have been saved as '{saved.name}'")
            return HttpResponseRedirect(saved_views.page_url(page, saved.query_string))
    saved_views.saved_view_refused_keep(
        request, page=page, name=request.POST.get("name", ""), errors=form.errors
    )
    return HttpResponseRedirect(saved_views.page_url(page, request.POST.get("query_string", "")))


@signed_in
@require_POST
def saved_view_delete(request, pk: int):
    saved = saved_views.access_saved_view(request.user, pk)
    saved_views.saved_view_delete(actor=request.user, saved_view=saved)
    messages.success(request, f"Your saved filters '{saved.name}' have been deleted")
    return HttpResponseRedirect(
        saved_views.page_url(saved.page, request.POST.get("query_string", ""))
    )
