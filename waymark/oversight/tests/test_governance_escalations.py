"""A complaint taken further after its stage-1 response (issue 20 item 6): a stage-2 review with
its own 20-working-day target (the platform's calendar), allocated as a task to someone other than
the stage-1 handler and answered with its outcome; then the Ombudsman's referral and finding.
Each step refused with the reason and nothing saved when out of turn; every step audited; the
list, its counts, its filters and its export follow the stage."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from waymark import testing
from waymark.accounts.roles import ROLES
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import ComplaintEscalation
from waymark.oversight.selectors import governance as sel
from waymark.oversight.services import governance as services
from waymark.work.models import Task

RECEIVED = date(2026, 10, 1)
RESPONDED = date(2026, 10, 20)
ASKED = date(2026, 10, 26)  # a Monday: four weeks later, no bank holiday between
NOW = testing.NOW  # Wednesday 18 November 2026


@pytest.fixture
def responded(assurance, line_manager):
    """A complaint handled at stage 1 by the line manager and responded to."""
    with clock.frozen(NOW):
        c = services.complaint_record(
            actor=assurance,
            channel="email",
            received_on=RECEIVED,
            complainant="Their solicitor",
            summary="The curfew was changed without notice",
            themes=["communication"],
        )
        services.complaint_allocate(actor=assurance, complaint=c, handler=line_manager)
        return services.complaint_respond(
            actor=line_manager,
            complaint=c,
            responded_on=RESPONDED,
            outcome="not_upheld",
            response="The change was notified by letter.",
        )


def _review(assurance, complaint, **extra):
    values = {"requested_on": ASKED, "reason": "The letter never arrived", **extra}
    with clock.frozen(NOW):
        return services.complaint_review_request(actor=assurance, complaint=complaint, **values)


def _reviewed(assurance, second_assurance, complaint):
    review = _review(assurance, complaint)
    with clock.frozen(NOW):
        services.complaint_review_allocate(
            actor=assurance, escalation=review, handler=second_assurance
        )
        return services.complaint_review_respond(
            actor=second_assurance,
            escalation=review,
            responded_on=date(2026, 11, 16),
            outcome="partly_upheld",
            response="The letter went to an old address; we apologise.",
        )


def test_a_review_has_its_own_target_and_goes_to_someone_other_than_the_stage_1_handler(
    responded, assurance, line_manager, second_assurance
):
    review = _review(assurance, responded)
    assert review.due_on == rules.complaint_due_on(ASKED, days=20) == date(2026, 11, 23)
    assert (review.stage, review.status) == ("review", "requested")
    with clock.frozen(NOW), pytest.raises(ValidationError) as exc:
        services.complaint_review_allocate(actor=assurance, escalation=review, handler=line_manager)
    assert "someone other than the stage-1 handler" in exc.value.message_dict["handler"][0]
    review.refresh_from_db()
    assert review.status == "requested" and review.handler is None
    assert not Task.objects.filter(status="open", assignee=line_manager).exists()
    with clock.frozen(NOW):
        services.complaint_review_allocate(
            actor=assurance, escalation=review, handler=second_assurance
        )
    task = Task.objects.get(status="open", task_type=rules.COMPLAINT_TASK_TYPE)
    assert task.assignee == second_assurance and "stage 2" in task.title
    assert task.due_at.astimezone(clock.LONDON).date() == review.due_on
    with clock.frozen(NOW):
        done = services.complaint_review_respond(
            actor=second_assurance,
            escalation=review,
            responded_on=date(2026, 11, 16),
            outcome="partly_upheld",
            response="We apologise.",
        )
    task.refresh_from_db()
    assert task.status == "done" and done.status == "responded" and done.on_time is True
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {
        "oversight.complaint_review_requested",
        "oversight.complaint_review_allocated",
        "oversight.complaint_review_responded",
    } <= verbs


def test_a_review_s_target_skips_the_christmas_bank_holidays(responded, assurance):
    with clock.frozen(datetime(2027, 1, 5, 10, 0, tzinfo=clock.LONDON)):
        review = services.complaint_review_request(
            actor=assurance, complaint=responded, requested_on=date(2026, 12, 18), reason="x"
        )
    assert review.due_on == date(2027, 1, 20)  # 25, 28 December and 1 January do not count


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"requested_on": NOW.date() + timedelta(days=1)}, "requested_on"),
        ({"requested_on": RESPONDED - timedelta(days=1)}, "requested_on"),
        ({"requested_on": None}, "requested_on"),
        ({"reason": "   "}, "reason"),
    ],
)
def test_a_bad_review_request_is_refused_and_nothing_saved(responded, assurance, extra, field):
    with pytest.raises(ValidationError) as exc:
        _review(assurance, responded, **extra)
    assert field in exc.value.message_dict
    assert not ComplaintEscalation.objects.exists()


def test_a_review_is_asked_for_once_only_after_the_stage_1_response(
    responded, assurance, line_manager
):
    with clock.frozen(NOW):
        fresh = services.complaint_record(
            actor=assurance,
            channel="letter",
            received_on=RECEIVED,
            complainant="A",
            summary="B",
            themes=["delay"],
        )
    with pytest.raises(ValidationError, match="stage-1 response"):
        _review(assurance, fresh)
    _review(assurance, responded)
    with pytest.raises(ValidationError, match="already"):
        _review(assurance, responded)
    with pytest.raises(PermissionDenied):
        _review(line_manager, responded)  # sees and handles complaints, does not manage them
    assert ComplaintEscalation.objects.count() == 1


def test_a_review_response_needs_its_reviewer_and_is_not_recorded_twice(
    responded, assurance, second_assurance, analyst
):
    review = _review(assurance, responded)
    with clock.frozen(NOW), pytest.raises(ValidationError, match="Allocate"):
        services.complaint_review_respond(
            actor=assurance, escalation=review, responded_on=ASKED, outcome="upheld", response="x"
        )
    with clock.frozen(NOW):
        services.complaint_review_allocate(
            actor=assurance, escalation=review, handler=second_assurance
        )
        with pytest.raises(PermissionDenied):
            services.complaint_review_respond(
                actor=analyst, escalation=review, responded_on=ASKED, outcome="upheld", response="x"
            )
        with pytest.raises(ValidationError) as exc:
            services.complaint_review_respond(
                actor=second_assurance,
                escalation=review,
                responded_on=ASKED - timedelta(days=1),
                outcome="upheld",
                response="x",
            )
        assert "responded_on" in exc.value.message_dict
        services.complaint_review_respond(
            actor=second_assurance,
            escalation=review,
            responded_on=ASKED,
            outcome="upheld",
            response="x",
        )
        with pytest.raises(ValidationError, match="already"):
            services.complaint_review_respond(
                actor=assurance,
                escalation=review,
                responded_on=ASKED,
                outcome="upheld",
                response="y",
            )
    review.refresh_from_db()
    assert review.response == "x"


def test_the_ombudsman_comes_after_the_review_and_its_finding_closes_it(
    responded, assurance, second_assurance
):
    with clock.frozen(NOW), pytest.raises(ValidationError, match="after its stage-2 review"):
        services.complaint_ombudsman_refer(
            actor=assurance, complaint=responded, referred_on=NOW.date(), reference="PHSO-1"
        )
    _reviewed(assurance, second_assurance, responded)
    with clock.frozen(NOW):
        with pytest.raises(ValidationError) as exc:
            services.complaint_ombudsman_refer(
                actor=assurance, complaint=responded, referred_on=NOW.date(), reference=" "
            )
        assert "reference" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.complaint_ombudsman_refer(
                actor=assurance,
                complaint=responded,
                referred_on=date(2026, 11, 15),  # before the review's response
                reference="PHSO-1",
            )
        assert "referred_on" in exc.value.message_dict
        referral = services.complaint_ombudsman_refer(
            actor=assurance, complaint=responded, referred_on=NOW.date(), reference="PHSO-1"
        )
        with pytest.raises(ValidationError, match="already"):
            services.complaint_ombudsman_refer(
                actor=assurance, complaint=responded, referred_on=NOW.date(), reference="PHSO-2"
            )
        with pytest.raises(ValidationError) as exc:
            services.complaint_ombudsman_decide(
                actor=assurance, escalation=referral, decided_on=NOW.date(), outcome="", finding="x"
            )
        assert "outcome" in exc.value.message_dict
        decided = services.complaint_ombudsman_decide(
            actor=assurance,
            escalation=referral,
            decided_on=NOW.date(),
            outcome="upheld",
            finding="Notice should have been confirmed by phone.",
            remedy="An apology and £150",
        )
        with pytest.raises(ValidationError, match="already"):
            services.complaint_ombudsman_decide(
                actor=assurance,
                escalation=referral,
                decided_on=NOW.date(),
                outcome="upheld",
                finding="y",
            )
    assert (decided.status, decided.outcome, decided.remedy) == (
        "decided",
        "upheld",
        "An apology and £150",
    )
    assert AuditEvent.objects.filter(verb="oversight.complaint_ombudsman_decided").count() == 1


def test_the_list_counts_filters_and_flags_an_overdue_review(
    responded, assurance, second_assurance
):
    review = _review(assurance, responded)
    with clock.frozen(NOW + timedelta(days=7)):  # past the review's 23 November target
        counts = sel.complaint_counts()
        assert counts["review"] == 1 and counts["overdue"] == 1
        rows = sel.complaint_rows(sel.complaints_queryset(status="overdue"))
        assert [r.complaint.pk for r in rows] == [responded.pk]
        assert rows[0].stage == "Stage 2" and rows[0].overdue
        assert [
            r.complaint.pk for r in sel.complaint_rows(sel.complaints_queryset(status="review"))
        ] == [responded.pk]
        assert not sel.complaints_queryset(status="ombudsman").exists()
    review.refresh_from_db()
    assert review.due_on < (NOW + timedelta(days=7)).date()


# --- pages ---------------------------------------------------------------------------------------


def _post_date(prefix: str, day: date) -> dict[str, str]:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def test_the_pages_take_a_complaint_through_review_and_the_ombudsman(
    responded, assurance, second_assurance, line_manager, client
):
    client.force_login(assurance)
    page = client.get(reverse("oversight:complaint", args=[responded.pk])).content.decode()
    assert "Record a request for a stage 2 review" in page
    url = reverse("oversight:complaint-review-request", args=[responded.pk])
    with clock.frozen(NOW):
        bad = client.post(url, {**_post_date("requested_on", ASKED), "reason": ""})
        assert bad.status_code == 400 and "govuk-error-summary" in bad.content.decode()
        assert not ComplaintEscalation.objects.exists()
        assert (
            client.post(
                url, {**_post_date("requested_on", ASKED), "reason": "No letter"}
            ).status_code
            == 302
        )
        allocate = reverse("oversight:complaint-review-allocate", args=[responded.pk])
        form = client.get(allocate).content.decode()
        assert f'value="{line_manager.pk}"' not in form  # the stage-1 handler is not offered
        assert client.post(allocate, {"handler": second_assurance.pk}).status_code == 302
    client.force_login(second_assurance)
    with clock.frozen(NOW):
        respond = reverse("oversight:complaint-review-respond", args=[responded.pk])
        assert (
            client.post(
                respond,
                {
                    **_post_date("responded_on", NOW.date()),
                    "outcome": "upheld",
                    "response": "Sorry",
                },
            ).status_code
            == 302
        )
    client.force_login(assurance)
    with clock.frozen(NOW):
        refer = reverse("oversight:complaint-ombudsman-refer", args=[responded.pk])
        assert (
            client.post(
                refer, {**_post_date("referred_on", NOW.date()), "reference": "PHSO-9"}
            ).status_code
            == 302
        )
        decide = reverse("oversight:complaint-ombudsman-decide", args=[responded.pk])
        assert (
            client.post(
                decide,
                {
                    **_post_date("decided_on", NOW.date()),
                    "outcome": "not_upheld",
                    "finding": "Fair",
                    "remedy": "",
                },
            ).status_code
            == 302
        )
        page = client.get(reverse("oversight:complaint", args=[responded.pk])).content.decode()
    assert "Stage 2 review" in page and "PHSO-9" in page and "Fair" in page
    assert "Record the Ombudsman" not in page  # nothing left to do
    with clock.frozen(NOW):
        export = client.get(reverse("oversight:complaints-export"))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert row[header.index("Stage")] == "Ombudsman"
    assert row[header.index("Review outcome")] == "Upheld"
    assert row[header.index("Ombudsman reference")] == "PHSO-9"


@pytest.mark.parametrize("role_key", sorted(k for k in ROLES if k != "supplier"))
def test_every_role_on_the_escalation_pages(role_key, responded, assurance, team, client):
    _review(assurance, responded)
    user = testing.user_make(role_key, team)
    client.force_login(user)
    manages = user.has_perm(perms.MANAGE_COMPLAINTS)
    for name in (
        "oversight:complaint-review-request",
        "oversight:complaint-review-allocate",
        "oversight:complaint-ombudsman-refer",
    ):
        status = client.get(reverse(name, args=[responded.pk])).status_code
        assert status == (200 if manages else 403), (role_key, name, status)
    # No reviewer yet: only those who manage complaints may answer for one; nobody else sees it.
    status = client.get(
        reverse("oversight:complaint-review-respond", args=[responded.pk])
    ).status_code
    assert status == (200 if manages else 404), (role_key, status)
    # The Ombudsman has not taken it up: there is no finding to record.
    status = client.get(
        reverse("oversight:complaint-ombudsman-decide", args=[responded.pk])
    ).status_code
    assert status == (404 if manages else 403), (role_key, status)
