"""A complaint recorded from the correspondence it arrived in (issue 20 item 6; 000 §5.93:
complaints sat unrecognised in shared mailboxes): whoever reads the item finds "Record it as a
complaint" on it, the form comes filled in from the item (channel, date, sender, the person it
was matched to, its text), the complaint keeps the item's id and links back, one complaint an
item; anyone who may not read the item, or may not record complaints, is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from waymark import testing
from waymark.accounts.roles import ROLES
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.correspondence.services import correspondence_register
from waymark.oversight import permissions as perms
from waymark.oversight.models import Complaint
from waymark.oversight.services import governance as services
from waymark.testing import reference_data

WHEN = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)  # a Monday


@pytest.fixture
def item(db):
    # The match queue is the platform's (a data migration's row): an earlier transactional test
    # on this worker may have flushed it.
    reference_data.platform()
    with clock.frozen(WHEN):
        item, _ = correspondence_register(
            actor=None,
            channel="post",
            sender="Patel & Co Solicitors",
            recipients=[],
            subject="Complaint about our client's reporting",
            body="Our client was made to wait four hours at the reporting centre.",
            received_at=WHEN,
        )
    return item


@pytest.fixture
def reader(team):
    return testing.user_make("line_manager", team, last_name="Reader")


def _post(item, **extra):
    return {
        "channel": "letter",
        "received_on_0": "16",
        "received_on_1": "11",
        "received_on_2": "2026",
        "complainant": "Patel & Co Solicitors",
        "summary": "Waited four hours",
        "themes": ["reporting", "delay"],
        "nation": "england-and-wales",
        "correspondence_item": str(item.pk),
        **extra,
    }


def test_the_item_offers_it_and_the_form_comes_filled_in(item, reader, client):
    client.force_login(reader)
    page = client.get(reverse("correspondence:item", args=[item.pk])).content.decode()
    url = reverse("oversight:complaint-from-correspondence") + f"?correspondence={item.pk}"
    assert "Record it as a complaint" in page and url in page.replace("&amp;", "&")
    form = client.get(url)
    assert form.status_code == 200
    html = " ".join(form.content.decode().split())
    assert 'name="complainant" type="text" value="Patel &amp; Co Solicitors"' in html
    assert 'name="channel" type="radio" value="letter" checked' in html  # posted: a letter
    assert "four hours at the reporting centre" in html
    for part, value in (("0", "16"), ("1", "11"), ("2", "2026")):
        assert f'name="received_on_{part}" type="text" value="{value}"' in html
    assert f'<input type="hidden" name="correspondence_item" value="{item.pk}">' in html


def test_a_reader_records_it_for_the_complaints_team_and_it_links_back(
    item, reader, assurance, client
):
    client.force_login(reader)
    with clock.frozen(testing.NOW):
        response = client.post(reverse("oversight:complaint-from-correspondence"), _post(item))
    complaint = Complaint.objects.get()
    assert complaint.correspondence_item_id == item.pk and complaint.status == "received"
    assert complaint.recorded_by == reader and complaint.channel == "letter"
    # The reader sees complaints (a line manager): to the complaint, which links to the item.
    assert response.status_code == 302
    entry = AuditEvent.objects.get(verb="oversight.complaint_recorded")
    assert entry.payload["new"]["correspondence_item"] == item.pk
    client.force_login(assurance)  # the complaints team: no access to correspondence
    page = client.get(reverse("oversight:complaint", args=[complaint.pk])).content.decode()
    assert f"Correspondence item {item.pk}" in page
    assert reverse("correspondence:item", args=[item.pk]) not in page  # they may not open it
    client.force_login(reader)
    page = client.get(reverse("oversight:complaint", args=[complaint.pk])).content.decode()
    assert reverse("correspondence:item", args=[item.pk]) in page


def test_one_complaint_an_item_the_second_refused_in_the_error_summary(item, reader, client):
    client.force_login(reader)
    url = reverse("oversight:complaint-from-correspondence")
    with clock.frozen(testing.NOW):
        client.post(url, _post(item))
        again = client.post(url, _post(item))
    assert again.status_code == 400
    html = again.content.decode()
    assert "govuk-error-summary" in html and "already" in html
    assert Complaint.objects.count() == 1


def test_no_item_no_access_or_no_permission_is_refused(item, reader, team, analyst, client):
    client.force_login(reader)
    url = reverse("oversight:complaint-from-correspondence")
    assert client.get(url).status_code == 404  # nothing to record it from
    assert client.get(url + "?correspondence=x").status_code == 404
    assert client.get(url + "?correspondence=999999").status_code == 404
    # Without MANAGE_COMPLAINTS a reader may record only from an item: the service says so too.
    with clock.frozen(testing.NOW), pytest.raises(Exception) as exc:
        services.complaint_record(
            actor=reader,
            channel="letter",
            received_on=WHEN.date(),
            complainant="x",
            summary="y",
            themes=["delay"],
        )
    assert exc.type.__name__ == "PermissionDenied"
    client.force_login(analyst)  # neither reads correspondence nor records complaints
    assert client.get(url + f"?correspondence={item.pk}").status_code == 403
    assert not Complaint.objects.exists()


def test_an_item_the_recorder_may_not_read_is_refused_by_the_service(item, assurance):
    with clock.frozen(testing.NOW), pytest.raises(ValidationError) as exc:
        services.complaint_record(
            actor=assurance,  # records complaints, does not read correspondence
            channel="letter",
            received_on=WHEN.date(),
            complainant="x",
            summary="y",
            themes=["delay"],
            correspondence_item=item.pk,
        )
    assert "correspondence_item" in exc.value.message_dict
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_the_page(role_key, item, team, client):
    user = testing.user_make(role_key, team)
    client.force_login(user)
    url = reverse("oversight:complaint-from-correspondence") + f"?correspondence={item.pk}"
    status = client.get(url).status_code
    if not user.has_perm(perms.RECORD_COMPLAINTS):
        assert status == 403, role_key
    elif user.has_perm("correspondence.view_correspondenceitem"):
        assert status == 200, role_key
    else:
        assert status == 404, role_key  # may record, may not read this item
