"""Reads of documents, always through the person's visibility."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from waymark.documents.models import Document, LetterTemplate


def document_list_for_person(*, person) -> QuerySet[Document]:
    return (
        Document.objects.filter(person=person)
        .select_related("uploaded_by")
        .prefetch_related("services")
    )


def access_document(user, pk: int) -> Document:
    """A document the user may see, or 404: filed documents follow the person's visibility;
    unfiled correspondence attachments need the correspondence permission."""
    from waymark.people.selectors import person_can_view

    try:
        document = Document.objects.select_related("person", "letter_template").get(pk=pk)
    except (Document.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such document") from exc
    if document.person is not None:
        if not person_can_view(user, document.person):
            raise Http404("No such document")
    elif not user.has_perm("correspondence.view_correspondenceitem"):
        raise Http404("No such document")
    return document


def letter_template_current_list() -> list[LetterTemplate]:
    """The newest active version of each template key."""
    latest: dict[str, LetterTemplate] = {}
    for template in LetterTemplate.objects.filter(is_active=True).order_by("key", "-version"):
        latest.setdefault(template.key, template)
    return sorted(latest.values(), key=lambda t: t.name)


def letter_template_get_current(key: str) -> LetterTemplate | None:
    return LetterTemplate.objects.filter(key=key, is_active=True).order_by("-version").first()
