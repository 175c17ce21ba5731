"""``access_person`` answers exactly as the visibility query would: it reads the person by key and
settles the common case (the user's own team owns them) on the row, falling back to the whole
query only for a person owned elsewhere. Checked for every kind of user against every kind of
person, by key and by reference."""

from __future__ import annotations

import pytest
from django.http import Http404

from waymark.people.models import Person
from waymark.people.selectors import access_person, person_visible_queryset
from waymark.people.tests.factories import CASEWORKER_PERMS, make_person, make_team, make_user
from waymark.work.tests.factories import queue_make, task_row

pytestmark = pytest.mark.django_db


def _sees(user, key) -> bool:
    try:
        access_person(user, key)
    except Http404:
        return False
    return True


def test_access_agrees_with_the_visibility_query_for_every_user_and_person():
    mine, theirs = make_team(), make_team()
    my_queue = queue_make(team=mine)
    their_queue = queue_make(team=theirs)
    people = {
        "owned by my team": make_person(owning_team=mine),
        "owned by another team": make_person(owning_team=theirs, family_name="Other"),
        "owned by nobody": make_person(owning_team=None, family_name="Nobody"),
        "another team's, with active work in my queue": make_person(
            owning_team=theirs, family_name="Worked"
        ),
        "another team's, with closed work in my queue": make_person(
            owning_team=theirs, family_name="Closed"
        ),
        "another team's, with work in their queue": make_person(
            owning_team=theirs, family_name="Theirs"
        ),
        "restricted, owned by my team": make_person(owning_team=mine, family_name="Hidden"),
        "restricted, another team's, with work in my queue": make_person(
            owning_team=theirs, family_name="HiddenWorked"
        ),
    }
    task_row(queue=my_queue, person=people["another team's, with active work in my queue"])
    task_row(
        queue=my_queue,
        person=people["another team's, with closed work in my queue"],
        status="completed",
    )
    task_row(queue=their_queue, person=people["another team's, with work in their queue"])
    task_row(queue=my_queue, person=people["restricted, another team's, with work in my queue"])
    Person.objects.filter(
        pk__in=[
            people["restricted, owned by my team"].pk,
            people["restricted, another team's, with work in my queue"].pk,
        ]
    ).update(restricted_access=True)
    users = {
        "caseworker in my team": make_user(*CASEWORKER_PERMS, teams=[mine]),
        "caseworker in no team": make_user(*CASEWORKER_PERMS),
        "cleared caseworker in my team": make_user(
            *CASEWORKER_PERMS, "people.view_restricted_person", teams=[mine]
        ),
        "national": make_user("people.view_person", "people.view_any_person"),
        "cleared national": make_user(
            "people.view_person", "people.view_any_person", "people.view_restricted_person"
        ),
        "no permission, in my team": make_user(teams=[mine]),
    }
    seen = 0
    for user_label, user in users.items():
        visible = set(person_visible_queryset(user).values_list("pk", flat=True))
        for person_label, person in people.items():
            expected = person.pk in visible
            assert _sees(user, person.pk) is expected, (user_label, person_label)
            assert _sees(user, str(person.pk)) is expected, (user_label, person_label)
            assert _sees(user, person.reference) is expected, (user_label, person_label)
            seen += expected
    # the table is not trivially all-or-nothing: each user sees a different set
    assert 0 < seen < len(users) * len(people)
    assert _sees(users["caseworker in my team"], people["owned by my team"].pk)
    assert _sees(
        users["caseworker in my team"], people["another team's, with active work in my queue"].pk
    )
    assert not _sees(
        users["caseworker in my team"], people["another team's, with closed work in my queue"].pk
    )
    assert not _sees(users["caseworker in my team"], people["restricted, owned by my team"].pk)
    assert _sees(users["cleared caseworker in my team"], people["restricted, owned by my team"].pk)


@pytest.mark.parametrize("key", ["abc", "", None, 10**12, 2**70, -1, "WM-NOPE", "12abc"])
def test_a_key_that_names_nobody_is_404(key):
    user = make_user("people.view_person", "people.view_any_person")
    with pytest.raises(Http404):
        access_person(user, key)


def test_the_person_and_what_the_page_names_of_them_are_read_as_the_orm_reads_them():
    """On PostgreSQL the read is one statement written once (``_person_read``): the person, the
    owning team, the case owner and the record merged into equal the ORM's select-related read,
    field by field, by key and by reference, with and without each related row."""
    from django.contrib.auth import get_user_model

    team = make_team()
    owner = make_user(teams=[team])
    target = make_person(owning_team=team, family_name="Target")
    person = make_person(owning_team=team, family_name="Merged")
    Person.objects.filter(pk=person.pk).update(
        case_owner=owner, merged_into=target, record_status="merged"
    )
    bare = make_person(owning_team=None, family_name="Alone")
    user = make_user("people.view_person", "people.view_any_person")
    related = {"owning_team": type(team), "case_owner": get_user_model(), "merged_into": Person}
    for subject in (person, bare, target):
        orm = Person.objects.select_related(*related).get(pk=subject.pk)
        for key in (subject.pk, str(subject.pk), subject.reference):
            got = access_person(user, key)
            assert not got._state.adding
            for field in Person._meta.concrete_fields:
                assert getattr(got, field.attname) == getattr(orm, field.attname), field.name
            for name, model in related.items():
                assert Person._meta.get_field(name).is_cached(got), name  # no further query
                mine, theirs = getattr(got, name), getattr(orm, name)
                assert (mine is None) == (theirs is None), name
                if theirs is not None:
                    for field in model._meta.concrete_fields:
                        assert getattr(mine, field.attname) == getattr(theirs, field.attname)
