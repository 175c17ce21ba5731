"""The queue page's filters, read from the query string (so a filter can be bookmarked or saved)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from waymark.work import rules
from waymark.work.models import TaskStatus
from waymark.work.registry import task_type_label

SORTS = {
    "priority": ["-priority", "due_at", "id"],
    "due": ["due_at", "-priority", "id"],
    "-due": ["-due_at", "-priority", "id"],
    "created": ["created_at", "id"],
    "-created": ["-created_at", "-id"],
}
DEFAULT_SORT = "priority"
SORT_LABELS = {
    "priority": "Priority (most urgent first)",
    "due": "Due (soonest first)",
    "-due": "Due (latest first)",
    "created": "Created (oldest first)",
    "-created": "Created (newest first)",
}


class TaskFilter(django_filters.FilterSet):
    """Expects a queryset annotated by ``selectors.with_age_and_deadline``.

    ``distinct=False``: django-filter's multiple-choice filters add DISTINCT by default, which made
    PostgreSQL sort and de-duplicate every task of a large queue (each of these filters is on a
    column of the task itself, so there is nothing to de-duplicate)."""

    status = django_filters.MultipleChoiceFilter(
        choices=TaskStatus.choices, label="Status", distinct=False
    )
    task_type = django_filters.MultipleChoiceFilter(choices=[], label="Type", distinct=False)
    assignee = django_filters.CharFilter(method="filter_assignee", label="Assigned to")
    deadline_state = django_filters.MultipleChoiceFilter(
        choices=rules.DEADLINE_STATES, label="Deadline", distinct=False
    )
    age_band = django_filters.MultipleChoiceFilter(
        choices=[(key, label) for key, label, _, _ in rules.AGE_BANDS], label="Age", distinct=False
    )
    person = django_filters.CharFilter(method="filter_person", label="Person reference")

    def __init__(self, *args, user=None, type_keys=(), members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["task_type"].extra["choices"] = [(k, task_type_label(k)) for k in type_keys]
        self.member_choices = [("", "Anyone"), ("unassigned", "Unassigned"), ("me", "Me")] + [
            (str(m.pk), m.display_name) for m in members
        ]

    def filter_assignee(self, queryset, name, value):
        if value == "unassigned":
            return queryset.filter(assignee__isnull=True)
        if value == "me" and self.user is not None:
            return queryset.filter(assignee=self.user)
        if value.isdecimal():
            return queryset.filter(assignee_id=int(value))
        return queryset

    def filter_person(self, queryset, name, value):
        """A restricted record's reference finds nothing for a user who may not see it, as in the
        people search, so the filter cannot confirm whose tasks the withheld rows are."""
        from waymark.work.selectors import without_withheld

        value = value.strip().upper()
        if not value:
            return queryset
        return (
            without_withheld(queryset, self.user)
            .filter(Q(person__reference__iexact=value) | Q(person__references__value__iexact=value))
            .distinct()
        )
