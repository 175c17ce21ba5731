"""Bulk-check and ownership pages: permissions by role, the unreviewed panel, the decision form with
its GOV.UK errors and refusals, the CSV export audited as a disclosure, the clean-up page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from waymark.core.models import AuditAction, AuditEvent
from waymark.linkage import services as bulk_services
from waymark.linkage import services as ownership
from waymark.linkage.models import BulkCheck, BulkMatchStatus, OwnershipFinding, SourceKind
from waymark.linkage.tests import bulk_fixtures as fx
from waymark.linkage.tests.test_bulk_services import world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def check(world):  # noqa: F811
    started = bulk_services.bulk_check_start(
        actor=world["manager"],
        name="Reporting v PNC",
        population="all_linked",
        police_import=world["police"],
    )
    return bulk_services.bulk_check_execute(started.pk, model=fx.model_fixed())


def _as(client, role_key: str):
    user = fx.user_with_role(role_key)
    client.force_login(user)
    return user


def _pages(check) -> list[str]:
    match = check.matches.first()
    return [
        reverse("linkage:bulk-list"),
        reverse("linkage:bulk-detail", args=[check.pk]),
        reverse("linkage:bulk-match", args=[match.pk]),
        reverse("linkage:bulk-new-criminality"),
        reverse("linkage:ownership"),
    ]


@pytest.mark.parametrize(
    ("role_key", "viewing", "starting"),
    [
        ("records_manager", 200, 200),
        ("assurance", 200, 403),
        ("case_owner", 403, 403),
    ],
)
def test_pages_by_role(client, check, role_key, viewing, starting):
    _as(client, role_key)
    for url in _pages(check):
        assert client.get(url).status_code == viewing, url
    assert client.get(reverse("linkage:bulk-new")).status_code == starting
    assert client.post(reverse("linkage:ownership-run")).status_code == (
        302 if starting == 200 else 403
    )


def test_pages_on_an_empty_database(client, db):
    _as(client, "records_manager")
    for name in (
        "linkage:bulk-list",
        "linkage:bulk-new",
        "linkage:bulk-new-criminality",
        "linkage:ownership",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    assert (
        "There is no completed police records import"
        in client.get(reverse("linkage:bulk-new")).content.decode()
    )
    assert client.get(reverse("linkage:bulk-detail", args=[999])).status_code == 404


def test_start_a_check_from_the_form(client, world, django_capture_on_commit_callbacks):  # noqa: F811
    client.force_login(world["manager"])
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("linkage:bulk-new"),
            {
                "name": "November check",
                "population": "all_linked",
                "police_import": world["police"].pk,
            },
        )
    check = BulkCheck.objects.get(name="November check")
    assert response.status_code == 302 and response["Location"] == reverse(
        "linkage:bulk-detail", args=[check.pk]
    )


def test_bad_input_shows_the_error_summary(client, world):  # noqa: F811
    client.force_login(world["manager"])
    response = client.post(
        reverse("linkage:bulk-new"), {"name": "", "population": "", "police_import": ""}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body
    for message in (
        "Enter a name for the check",
        "Select a population to check",
        "Select the police records file to check against",
    ):
        assert message in body
    legacy = fx.job_make(SourceKind.LEGACY_CASE)
    response = client.post(
        reverse("linkage:bulk-new"),
        {"name": "x", "population": "all_linked", "police_import": legacy.pk},
    )
    assert (
        response.status_code == 400
        and "Select the police records file" in response.content.decode()
    )


def test_unreviewed_panel_until_zero(client, check, world):  # noqa: F811
    client.force_login(world["manager"])
    url = reverse("linkage:bulk-detail", args=[check.pk])
    body = client.get(url).content.decode()
    assert "data-unreviewed" in body and "2 potential matches not yet reviewed" in body
    for match in check.matches.all():
        response = client.post(
            reverse("linkage:bulk-match", args=[match.pk]),
            {"decision": "confirmed", "reason": "Same person on every field"},
        )
        assert response.status_code == 302
    body = client.get(url).content.decode()
    assert "not yet reviewed</p>" not in body and "data-all-reviewed" in body
    assert check.matches.filter(status=BulkMatchStatus.PENDING).count() == 0


def test_match_page_shows_reasons_audits_the_view_and_refuses_a_second_decision(
    client,
    check,
    world,  # noqa: F811 - the fixture imported above
):
    match = check.matches.get(person=world["unknown"])
    url = reverse("linkage:bulk-match", args=[match.pk])
    client.force_login(world["manager"])
    body = client.get(url).content.decode()
    assert (
        "Why the model scored this match" in body
        and "Date of birth" in body
        and 'name="decision"' in body
    )
    assert AuditEvent.objects.filter(
        verb="linkage.bulk_match_viewed", person_id=match.person_id, action=AuditAction.CONSULTATION
    ).exists()
    response = client.post(url, {"decision": "", "reason": ""})
    assert response.status_code == 400 and "govuk-error-summary" in response.content.decode()
    client.post(url, {"decision": "rejected", "reason": "Different person"})
    other = _as(client, "records_manager")
    response = client.post(url, {"decision": "confirmed", "reason": "Same"})
    # The page names who decided first (the print marking names the viewer: not part of it).
    body = re.sub(r'<p class="wm-print-marking">.*?</p>', "", response.content.decode(), flags=re.S)
    assert response.status_code == 409 and "already decided by" in body
    assert world["manager"].get_full_name() in body and other.get_full_name() not in body


def test_assurance_sees_a_match_but_cannot_decide(client, check):
    _as(client, "assurance")
    match = check.matches.first()
    url = reverse("linkage:bulk-match", args=[match.pk])
    assert 'name="decision"' not in client.get(url).content.decode()
    assert client.post(url, {"decision": "rejected", "reason": "No"}).status_code == 403


def test_new_criminality_list_and_csv_export_audited_as_disclosure(client, check, world):  # noqa: F811
    match = check.matches.get(person=world["unknown"])
    bulk_services.bulk_match_decide(
        actor=world["manager"], match=match, decision="confirmed", reason="Same"
    )
    client.force_login(world["manager"])
    body = client.get(reverse("linkage:bulk-new-criminality")).content.decode()
    assert world["unknown"].reference in body and world["known"].reference not in body
    response = client.get(reverse("linkage:bulk-new-criminality") + f"?format=csv&check={check.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    lines = (
        b"".join(response.streaming_content).decode().splitlines()
    )  # streamed (issue 14 item 11)
    assert (
        len(lines) == 2 and world["unknown"].reference in lines[1] and "2015/0099887B" in lines[1]
    )
    event = AuditEvent.objects.get(verb="linkage.new_criminality_exported")
    assert event.action == AuditAction.DISCLOSURE and event.payload["rows"] == 1


def test_ownership_page_runs_the_clean_up_and_lists_people_to_decide(client, world):  # noqa: F811
    job = fx.job_make()
    people = fx.people_bulk(2, prefix="Lit")
    fx.legacy_records_bulk(job, [(people[0], "LIT Croydon"), (people[1], "")])
    client.force_login(world["manager"])
    body = client.get(reverse("linkage:ownership")).content.decode()
    assert "Local Immigration Teams" in body and "neither an owner nor an open task" in body
    response = client.post(reverse("linkage:ownership-run"))
    assert response.status_code == 302
    body = client.get(reverse("linkage:ownership")).content.decode()
    assert people[0].reference in body and people[1].reference in body
    assert "neither an owner nor an open task" not in body
    finding = OwnershipFinding.objects.get(person=people[0])
    assert reverse("work:task-detail", args=[finding.task_id]) in body
    # The world's unowned 'clean' person has a legacy record with no owning unit: blank.
    counts = dict(ownership.figure3_counts())
    assert (counts["Local Immigration Teams"], counts["Blank"], counts["Total"]) == (1, 2, 3)
