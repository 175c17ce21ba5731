"""Document pages: thin views that validate a form, call one service and redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from waymark.core.permissions import requires
from waymark.documents import selectors, services
from waymark.documents.forms import (
    DocumentUploadForm,
    LetterChooseForm,
    LetterServiceForm,
    form_add_service_errors,
)
from waymark.documents.models import LetterTemplate
from waymark.documents.uploads import upload_size_limited


def person_href(person) -> str:
    """The person page if the people app serves one, else their documents list."""
    for name in ("people:detail", "people:person"):
        try:
            return reverse(name, args=[person.pk])
        except NoReverseMatch:
            continue
    return reverse("documents:person-documents", args=[person.pk])


def _bound(request) -> tuple:
    """Bind a form on POST even when nothing was filled in (an empty POST is still a submission)."""
    return (request.POST,) if request.method == "POST" else (None,)


def _person(request, person_pk):
    from waymark.people.selectors import access_person

    return access_person(request.user, person_pk)


@requires("documents.view_document")
def person_documents(request, person_pk):
    person = _person(request, person_pk)
    documents = selectors.document_list_for_person(person=person)
    return render(
        request,
        "documents/person_documents.html",
        {"person": person, "documents": documents, "person_href": person_href(person)},
    )


@requires("documents.view_document")
def document_detail(request, pk):
    document = selectors.access_document(request.user, pk)
    return render(request, "documents/document_detail.html", {"document": document})


@upload_size_limited  # an oversize file is refused while the body is parsed, never written out whole
@requires("documents.add_document")
@require_http_methods(["GET", "POST"])
def document_upload(request, person_pk):
    person = _person(request, person_pk)
    form = DocumentUploadForm(
        *_bound(request), files=request.FILES if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document = services.document_store(
                actor=request.user,
                person=person,
                file_name=upload.name,
                content=form.content,
                content_type=upload.content_type or "",
                document_type=form.cleaned_data["document_type"],
                title=form.cleaned_data["title"],
                refuse_same_file=True,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Document added: {document.title}")
            return redirect("documents:person-documents", person.pk)
    return render(request, "documents/upload.html", {"person": person, "form": form})


@requires("documents.view_document")
def document_download(request, pk):
    document = selectors.access_document(request.user, pk)
    services.document_download_record(actor=request.user, document=document)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response


@requires("documents.generate_letter")
@require_http_methods(["GET", "POST"])
def letter_generate(request, person_pk):
    person = _person(request, person_pk)
    templates = selectors.letter_template_current_list()
    form = LetterChooseForm(*_bound(request), templates=templates)
    preview = None
    template = None
    if request.method == "POST" and form.is_valid():
        template = LetterTemplate.objects.get(pk=form.cleaned_data["template"])
        try:
            if request.POST.get("confirm") == "yes":
                document = services.letter_generate(
                    actor=request.user, template=template, person=person
                )
                messages.success(request, f"Letter generated: {template.name}")
                return redirect("documents:detail", document.pk)
            preview = services.letter_preview(actor=request.user, template=template, person=person)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
    return render(
        request,
        "documents/letter_generate.html",
        {
            "person": person,
            "form": form,
            "templates": templates,
            "preview": preview,
            "template": template,
        },
    )


@requires("documents.record_service")
@require_http_methods(["GET", "POST"])
def letter_service(request, pk):
    document = selectors.access_document(request.user, pk)
    if document.person_id is None:
        raise Http404("Only a letter on a person's record can be served")
    form = LetterServiceForm(*_bound(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.letter_record_service(
                actor=request.user,
                document=document,
                method=form.cleaned_data["method"],
                served_on=form.cleaned_data["served_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Service recorded")
            return redirect("documents:detail", document.pk)
    return render(request, "documents/letter_service.html", {"document": document, "form": form})
