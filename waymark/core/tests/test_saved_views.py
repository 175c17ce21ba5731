"""Saved and remembered filters on list pages (core.saved_views): the service, the two endpoints
and the session memory. Each page's own tests (work, people, operations, casework) show them on
the page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from waymark.accounts.models import User
from waymark.core import rules, saved_views
from waymark.core.models import AuditAction, AuditEvent, SavedView
from waymark.core.saved_views import FilterPage

pytestmark = pytest.mark.django_db

MY_WORK = "work:home"  # signed in is enough; filtered by ?due=
SEARCH = "people:search"  # needs people.view_person


def _user(username: str, *perms: str) -> User:
    user = User.objects.create_user(username=username, password="a-long-test-password-123")
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def ada():
    return _user("ada", "people.view_person")


@pytest.fixture
def bea():
    return _user("bea", "people.view_person")


def test_the_numbers_are_the_columns():
    assert rules.SAVED_VIEW_NAME_MAX_LENGTH == 100
    assert rules.SAVED_VIEW_QUERY_MAX_LENGTH == 1000
    assert SavedView._meta.get_field("name").max_length == rules.SAVED_VIEW_NAME_MAX_LENGTH
    assert SavedView._meta.get_field("query_string").max_length == rules.SAVED_VIEW_QUERY_MAX_LENGTH


def test_a_save_keeps_only_the_pages_filters_and_is_audited(ada):
    saved = saved_views.saved_view_create(
        actor=ada, page=SEARCH, name="  Okoro born 1980 ", query_string="?name=Okoro&nationality="
    )
    assert (saved.user, saved.page, saved.name) == (ada, SEARCH, "Okoro born 1980")
    assert saved.query_string == "name=Okoro"
    entry = AuditEvent.objects.get(verb="saved_view.created")
    assert entry.action == AuditAction.COLLECTION and entry.actor == ada
    assert entry.payload["new"] == {
        "page": SEARCH,
        "name": "Okoro born 1980",
        "query": "name=Okoro",
    }


def test_a_save_is_refused_with_a_govuk_message(ada):
    def refused(name="Mine", query="due=overdue", page=MY_WORK) -> dict:
        with pytest.raises(ValidationError) as caught:
            saved_views.saved_view_create(actor=ada, page=page, name=name, query_string=query)
        return (
            caught.value.message_dict
            if hasattr(caught.value, "error_dict")
            else {"__all__": caught.value.messages}
        )

    assert refused(name="  ") == {"name": ["Enter a name for these filters"]}
    assert refused(name="x" * 101) == {"name": ["Name must be 100 characters or fewer"]}
    assert refused(query="due=" + "x" * 1000) == {
        "__all__": ["These filters are too long to save. Choose fewer filters"]
    }
    assert refused(query="due=overdue&assignee=7") == {
        "__all__": ["Only this page's filters can be saved"]
    }
    assert refused(query="due=") == {"__all__": ["Choose some filters before saving them"]}
    assert refused(page="work:queues") == {"__all__": ["Filters cannot be saved on this page"]}
    saved_views.saved_view_create(actor=ada, page=MY_WORK, name="Mine", query_string="due=overdue")
    assert refused() == {"name": ["You already have filters called 'Mine' on this page"]}
    assert (
        not AuditEvent.objects.filter(verb="saved_view.created")
        .exclude(payload__new__name="Mine")
        .exists()
    )


def test_the_same_name_may_be_used_on_another_page_and_by_another_person(ada, bea):
    saved_views.saved_view_create(actor=ada, page=MY_WORK, name="Mine", query_string="due=overdue")
    saved_views.saved_view_create(actor=ada, page=SEARCH, name="Mine", query_string="name=Okoro")
    saved_views.saved_view_create(actor=bea, page=MY_WORK, name="Mine", query_string="due=on_time")
    assert [v.query_string for v in saved_views.saved_views_for(user=ada, page=MY_WORK)] == [
        "due=overdue"
    ]
    assert saved_views.saved_views_for(user=None, page=MY_WORK).count() == 0


def test_only_someone_who_may_open_the_page_may_save_its_filters(ada):
    nobody = _user("nobody")
    with pytest.raises(PermissionDenied):
        saved_views.saved_view_create(
            actor=nobody, page=SEARCH, name="Search", query_string="name=Okoro"
        )
    with pytest.raises(PermissionDenied):
        saved_views.saved_view_create(actor=None, page=MY_WORK, name="x", query_string="due=a")


def test_only_the_owner_may_delete_and_another_persons_is_not_found(ada, bea):
    saved = saved_views.saved_view_create(
        actor=ada, page=MY_WORK, name="Mine", query_string="due=overdue"
    )
    with pytest.raises(PermissionDenied):
        saved_views.saved_view_delete(actor=bea, saved_view=saved)
    with pytest.raises(Http404):
        saved_views.access_saved_view(bea, saved.pk)
    assert saved_views.access_saved_view(ada, saved.pk) == saved
    saved_views.saved_view_delete(actor=ada, saved_view=saved)
    assert not SavedView.objects.exists()
    entry = AuditEvent.objects.get(verb="saved_view.deleted")
    assert entry.action == AuditAction.ERASURE
    assert entry.payload["old"] == {"page": MY_WORK, "name": "Mine", "query": "due=overdue"}


def test_a_page_is_registered_once():
    page = saved_views.filter_page(MY_WORK)
    saved_views.register_filter_page(page)  # the same definition again is harmless
    with pytest.raises(ImproperlyConfigured):
        saved_views.register_filter_page(FilterPage(MY_WORK, ("due", "other")))
    with pytest.raises(LookupError):
        saved_views.filter_page("work:queues")
    assert {"work:home", "people:search", "operations:home", "casework:centre"} <= set(
        saved_views.registered_filter_pages()
    )


def test_filters_are_read_in_the_pages_order_without_blanks_or_strangers():
    page = FilterPage("x", ("status", "rating"))
    assert saved_views.page_filters(page, "rating=red&page=2&status=&q=x&status=planning") == (
        "status=planning&rating=red"
    )


# ------------------------------------------------------------------------------------------------
# The endpoints


def test_saving_goes_back_to_the_page_with_its_filters(client, ada):
    client.force_login(ada)
    response = client.post(
        reverse("core:saved-view-create"),
        {"page": SEARCH, "name": "Okoro", "query_string": "name=Okoro"},
    )
    assert response.status_code == 302
    assert response.url == reverse(SEARCH) + "?name=Okoro"
    assert SavedView.objects.get().name == "Okoro"


def test_a_refused_save_is_shown_on_the_page_in_the_error_summary(client, ada):
    client.force_login(ada)
    response = client.post(
        reverse("core:saved-view-create"),
        {"page": SEARCH, "name": "x" * 20_000, "query_string": "name=Okoro&evil=1"},
    )
    assert response.url == reverse(SEARCH) + "?name=Okoro"
    page = client.get(response.url).content.decode()
    assert "There is a problem" in page and "<title>Error: " in page
    assert "Name must be 100 characters or fewer" in page
    assert 'href="#saved-view-name"' in page and 'id="saved-view-name"' in page
    assert not SavedView.objects.exists()
    # Shown once.
    assert "There is a problem" not in client.get(response.url).content.decode()


def test_the_endpoints_are_post_only_and_know_their_pages(client, ada):
    client.force_login(ada)
    assert client.get(reverse("core:saved-view-create")).status_code == 405
    assert client.get(reverse("core:saved-view-delete", args=[1])).status_code == 405
    response = client.post(reverse("core:saved-view-create"), {"page": "work:queues", "name": "x"})
    assert response.status_code == 404


def test_saving_on_a_page_the_user_may_not_open_is_forbidden(client):
    nobody = _user("nobody")
    client.force_login(nobody)
    response = client.post(
        reverse("core:saved-view-create"),
        {"page": SEARCH, "name": "x", "query_string": "name=Okoro"},
    )
    assert response.status_code == 403
    assert not SavedView.objects.exists()


def test_deleting_another_persons_saved_filters_is_not_found(client, ada, bea):
    saved = saved_views.saved_view_create(
        actor=ada, page=MY_WORK, name="Mine", query_string="due=overdue"
    )
    client.force_login(bea)
    assert client.post(reverse("core:saved-view-delete", args=[saved.pk])).status_code == 404
    assert SavedView.objects.filter(pk=saved.pk).exists()
    client.force_login(ada)
    response = client.post(
        reverse("core:saved-view-delete", args=[saved.pk]), {"query_string": "due=on_time"}
    )
    assert response.url == reverse(MY_WORK) + "?due=on_time"
    assert not SavedView.objects.exists()


# ------------------------------------------------------------------------------------------------
# Remembering


def _request(user, query: str = "", session=None):
    request = RequestFactory().get(reverse(MY_WORK) + (f"?{query}" if query else ""))
    request.user = user
    request.session = session if session is not None else {}
    return request


def test_filters_are_remembered_by_page_and_by_user(ada, bea):
    session: dict = {}
    assert (
        saved_views.filters_remembered(_request(ada, "due=overdue&page=2", session), MY_WORK)
        is None
    )
    back = saved_views.filters_remembered(_request(ada, "", session), MY_WORK)
    assert back.status_code == 302 and back.url == reverse(MY_WORK) + "?due=overdue"
    # Another page number alone changes nothing; another user on the same session sees nothing.
    assert saved_views.filters_remembered(_request(ada, "page=3", session), MY_WORK) is None
    assert saved_views.filters_remembered(_request(ada, "", session), MY_WORK).url.endswith(
        "?due=overdue"
    )
    assert saved_views.filters_remembered(_request(bea, "", session), MY_WORK) is None


def test_clearing_or_applying_no_filters_forgets_them(ada):
    session: dict = {}
    saved_views.filters_remembered(_request(ada, "due=overdue", session), MY_WORK)
    cleared = saved_views.filters_remembered(_request(ada, "clear-filters=1", session), MY_WORK)
    assert cleared.url == reverse(MY_WORK)
    assert saved_views.filters_remembered(_request(ada, "", session), MY_WORK) is None
    saved_views.filters_remembered(_request(ada, "due=overdue", session), MY_WORK)
    saved_views.filters_remembered(_request(ada, "due=", session), MY_WORK)
    assert saved_views.filters_remembered(_request(ada, "", session), MY_WORK) is None
