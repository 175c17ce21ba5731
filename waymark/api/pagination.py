from rest_framework.pagination import PageNumberPagination

from waymark.api import rules
from waymark.core.audit import note_consulted


def _person_id(item) -> int | None:
    """The person a result is about: a person, a search result holding one, or a row with a
    ``person_id`` (task, timeline event, correspondence item)."""
    from waymark.people.models import Person

    if isinstance(item, dict):
        item = item.get("person")
    if isinstance(item, Person):
        return item.pk
    if hasattr(item, "person_id"):
        return item.person_id
    person = getattr(item, "person", None)  # a search result
    return person.pk if isinstance(person, Person) else None


class WaymarkPagination(PageNumberPagination):
    """``count``, ``next``, ``previous`` and ``results``; ``?page=`` and ``?page_size=``.

    Each page tells the request's consultation entry how many matched and whom it showed."""

    page_size = rules.PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = rules.MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        page = super().paginate_queryset(queryset, request, view)
        if page is not None:
            note_consulted(
                people=(_person_id(item) for item in page), count=self.page.paginator.count
            )
        return page
