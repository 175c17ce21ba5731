"""The tracker's services: adding an action, posting updates (with slipping history), closing
with sign-off and evidence, reopening. Every refusal leaves nothing saved."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark import testing
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.oversight import services
from waymark.oversight.models import Action, ActionStatus, ActionUpdate


def _snapshot():
    return (
        Action.objects.count(),
        ActionUpdate.objects.count(),
        list(Action.objects.values_list("status", "due_on", "signed_off_by_id")),
        AuditEvent.objects.filter(verb__startswith="oversight.action").count(),
    )


def test_adding_an_action_records_owner_due_date_and_audit(action, line_manager):
    assert action.owner == line_manager
    assert action.original_due_on == action.due_on == date(2026, 12, 31)
    assert action.status == ActionStatus.OPEN
    assert AuditEvent.objects.filter(
        verb="oversight.action_added", target_id=str(action.pk)
    ).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "  "}, "description"),
        ({"owner": None}, "owner"),
        ({"evidence_kind": "made_up_check"}, "evidence_kind"),
        ({"evidence_kind": "guidance_published", "evidence_parameter": ""}, "evidence_parameter"),
    ],
)
def test_adding_an_action_refuses_bad_input_and_saves_nothing(
    seeded, assurance, line_manager, changes, field
):
    arguments = {
        "actor": assurance,
        "recommendation": seeded[("000", "1")],
        "description": "Adopt data-quality rules",
        "owner": line_manager,
        "due_on": date(2027, 1, 31),
    } | changes
    before = _snapshot()
    with pytest.raises(ValidationError) as error:
        services.action_add(**arguments)
    assert field in error.value.message_dict
    assert _snapshot() == before


def test_adding_an_action_needs_the_manage_permission(seeded, analyst, line_manager):
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        services.action_add(
            actor=analyst,
            recommendation=seeded[("000", "1")],
            description="Adopt data-quality rules",
            owner=line_manager,
            due_on=date(2027, 1, 31),
        )
    assert _snapshot() == before


def test_an_update_that_revises_the_due_date_keeps_the_old_one(action, line_manager):
    with clock.frozen(testing.NOW):
        services.action_update_post(
            actor=line_manager, action=action, text="Drafted", evidence="Draft v1"
        )
        services.action_update_post(
            actor=line_manager, action=action, text="Delayed", revised_due_on=date(2027, 2, 28)
        )
        services.action_update_post(
            actor=line_manager,
            action=action,
            text="Delayed again",
            revised_due_on=date(2027, 3, 31),
        )
    action.refresh_from_db()
    assert action.due_on == date(2027, 3, 31)
    assert action.original_due_on == date(2026, 12, 31)
    history = [
        (u.previous_due_on, u.revised_due_on) for u in action.updates.exclude(revised_due_on=None)
    ]
    assert history == [
        (date(2026, 12, 31), date(2027, 2, 28)),
        (date(2027, 2, 28), date(2027, 3, 31)),
    ]
    from waymark.oversight import selectors

    row = selectors.access_recommendation(None, action.recommendation_id).actions[0]
    assert row.slipping and len(row.revisions) == 2


def test_an_update_refuses_a_revised_date_in_the_past_and_saves_nothing(action, line_manager):
    before = _snapshot()
    with clock.frozen(testing.NOW), pytest.raises(ValidationError) as error:
        services.action_update_post(
            actor=line_manager,
            action=action,
            text="Moved back",
            revised_due_on=testing.NOW.date() - timedelta(days=1),
        )
    assert "revised_due_on" in error.value.message_dict
    assert _snapshot() == before


def test_an_update_by_someone_who_neither_owns_nor_manages_is_refused(action, analyst):
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        services.action_update_post(actor=analyst, action=action, text="Progress")
    assert _snapshot() == before


def test_sign_off_by_someone_other_than_the_owner_closes_the_action(action, assurance):
    with clock.frozen(testing.NOW):
        closed = services.action_close(
            actor=assurance,
            action=action,
            outcome=ActionStatus.CLOSED_WITH_MONITORING,
            note="Tracker in use",
        )
    assert closed.status == ActionStatus.CLOSED_WITH_MONITORING
    assert closed.signed_off_by == assurance
    assert closed.signed_off_at == testing.NOW
    assert AuditEvent.objects.filter(verb="oversight.action_closed").count() == 1


def test_the_owner_cannot_sign_off_their_own_action(seeded, assurance, second_assurance):
    own = services.action_add(
        actor=second_assurance,
        recommendation=seeded[("003", "4")],
        description="Reintroduce first-line assurance",
        owner=assurance,
        due_on=date(2027, 1, 31),
    )
    before = _snapshot()
    with pytest.raises(ValidationError, match="someone other than its owner"):
        services.action_close(actor=assurance, action=own, outcome=ActionStatus.CLOSED, note="Done")
    assert _snapshot() == before
    services.action_close(
        actor=second_assurance, action=own, outcome=ActionStatus.CLOSED, note="Seen it work"
    )
    own.refresh_from_db()
    assert own.status == ActionStatus.CLOSED


def test_closure_without_the_named_evidence_is_refused(seeded, assurance, line_manager):
    action = services.action_add(
        actor=assurance,
        recommendation=seeded[("001", "6")],
        description="Publish the FNO guidance",
        owner=line_manager,
        due_on=date(2027, 1, 31),
        evidence_kind="guidance_published",
        evidence_parameter="fno-guidance",
    )
    before = _snapshot()
    with pytest.raises(
        ValidationError, match=r"cannot close without its evidence\. There is no guidance page"
    ):
        services.action_close(
            actor=assurance, action=action, outcome=ActionStatus.CLOSED, note="Published"
        )
    assert _snapshot() == before


def test_closure_passes_once_the_named_guidance_page_is_published(seeded, assurance, line_manager):
    from waymark.guidance import services as guidance_services

    action = services.action_add(
        actor=assurance,
        recommendation=seeded[("001", "6")],
        description="Publish the FNO guidance",
        owner=line_manager,
        due_on=date(2027, 1, 31),
        evidence_kind="guidance_published",
        evidence_parameter="fno-guidance",
    )
    _publish_guidance(guidance_services, "fno-guidance")
    closed = services.action_close(
        actor=assurance, action=action, outcome=ActionStatus.CLOSED, note="Published"
    )
    assert closed.status == ActionStatus.CLOSED
    assert "is published at version 1" in closed.evidence_result


def _publish_guidance(guidance_services, slug):
    from waymark.guidance.models import GuidancePage, GuidanceVersion

    # The guidance app's own service needs its publisher role; the page is made as its tests do.
    page = GuidancePage.objects.create(
        slug=slug,
        title="Foreign national offenders",
        module="casework",
        summary="What to do",
        body="Text",
        published_at=clock.now() - timedelta(days=1),
    )
    GuidanceVersion.objects.create(
        page=page,
        version=1,
        title=page.title,
        summary=page.summary,
        body=page.body,
        change_note="First version",
        published_at=page.published_at,
    )


def _audit_action(assurance, line_manager, seeded):
    return services.action_add(
        actor=assurance,
        recommendation=seeded[("001", "7")],
        description="Assurance that staff comply with guidance",
        owner=line_manager,
        due_on=date(2027, 1, 31),
        evidence_kind="audit_log_verified",
    )


def _close(action, assurance):
    return services.action_close(
        actor=assurance, action=action, outcome=ActionStatus.CLOSED, note="Verified"
    )


def test_the_audit_log_check_passes_once_scheduled_verification_passed(
    seeded, assurance, line_manager
):
    from django.core.management import call_command

    from waymark.core.audit_sequencer import audit_seal_once

    action = _audit_action(assurance, line_manager, seeded)
    with pytest.raises(ValidationError, match="has not been verified yet"):
        _close(action, assurance)
    audit_seal_once()
    call_command("audit_verify")
    closed = _close(action, assurance)
    assert closed.evidence_result.startswith("The audit log verifies: the whole log (")


def test_the_audit_log_check_fails_on_a_failed_stale_or_partial_verification(
    seeded, assurance, line_manager
):
    """No web request verifies the log (an hour a year of national volume, inside the action's
    lock): the check reads what the scheduled runs found."""
    from waymark.core import rules
    from waymark.core.audit import VerifyResult
    from waymark.core.audit_verification import audit_verification_record

    action = _audit_action(assurance, line_manager, seeded)
    now = clock.now()

    def run(*, at, since=None, **found):
        result = VerifyResult(checked=10, first_broken_sequence=None, problem="", **found)
        with clock.frozen(at):
            audit_verification_record(result, since=since, started_at=at)

    run(at=now - rules.AUDIT_WHOLE_VERIFIED_WITHIN - timedelta(hours=1))  # a whole run, too old
    run(at=now - timedelta(hours=1), since=now - timedelta(days=1))
    with pytest.raises(ValidationError, match="No verification of the whole audit log passed"):
        _close(action, assurance)
    run(at=now - timedelta(hours=2))  # a whole run within the month
    assert _close(action, assurance).evidence_result.startswith("The audit log verifies")

    later = now + rules.AUDIT_VERIFIED_WITHIN + timedelta(hours=2)
    reopened = _audit_action(assurance, line_manager, seeded)
    with clock.frozen(later), pytest.raises(ValidationError, match="more than 26 hours ago"):
        _close(reopened, assurance)
    run(at=later, unanchored=((5, 9),))
    with clock.frozen(later), pytest.raises(ValidationError, match="#5-#9 sealed but not anchored"):
        _close(reopened, assurance)
    with clock.frozen(later + timedelta(minutes=1)):
        audit_verification_record(
            VerifyResult(checked=3, first_broken_sequence=4, problem="entry #4 altered"),
            since=None,
            started_at=later,
        )
        with pytest.raises(ValidationError, match="failed: entry #4 altered"):
            _close(reopened, assurance)


def test_sign_off_needs_the_sign_off_permission(action, analyst, line_manager):
    for actor in (analyst, line_manager, None):
        before = _snapshot()
        with pytest.raises(PermissionDenied):
            services.action_close(
                actor=actor, action=action, outcome=ActionStatus.CLOSED, note="Done"
            )
        assert _snapshot() == before


def test_closing_refuses_an_unknown_outcome_and_an_empty_note(action, assurance):
    before = _snapshot()
    with pytest.raises(ValidationError):
        services.action_close(actor=assurance, action=action, outcome="open", note="Done")
    with pytest.raises(ValidationError):
        services.action_close(actor=assurance, action=action, outcome=ActionStatus.CLOSED, note=" ")
    assert _snapshot() == before


def test_a_closed_action_takes_no_update_until_reopened(action, assurance, line_manager):
    services.action_close(actor=assurance, action=action, outcome=ActionStatus.CLOSED, note="Done")
    action.refresh_from_db()
    before = _snapshot()
    with pytest.raises(ValidationError, match="reopen it"):
        services.action_update_post(actor=line_manager, action=action, text="More")
    with pytest.raises(ValidationError):  # closed twice: the workflow refuses
        services.action_close(
            actor=assurance, action=action, outcome=ActionStatus.CLOSED, note="Again"
        )
    assert _snapshot() == before
    reopened = services.action_reopen(
        actor=assurance, action=action, reason="Monitoring found gaps"
    )
    assert reopened.status == ActionStatus.OPEN
    services.action_update_post(actor=line_manager, action=reopened, text="Working on the gaps")


def test_an_open_action_cannot_be_reopened(action, assurance):
    before = _snapshot()
    with pytest.raises(ValidationError, match="open already"):
        services.action_reopen(actor=assurance, action=action, reason="Why not")
    assert _snapshot() == before


def test_the_tracker_counts_a_twice_moved_action_once_as_slipping_and_flags_overdue(
    action, line_manager
):
    from waymark.oversight import selectors

    with clock.frozen(testing.NOW):
        for day in (1, 2):
            services.action_update_post(
                actor=line_manager, action=action, text="Moved", revised_due_on=date(2027, 1, day)
            )
        assert selectors.tracker_counts() | {"recommendations": 0} == {
            "recommendations": 0,
            "actions": 1,
            "open": 1,
            "overdue": 0,
            "slipping": 1,
        }
    with clock.frozen(testing.NOW.replace(year=2027, month=1, day=3)):
        assert selectors.tracker_counts()["overdue"] == 1
        row = selectors.access_recommendation(None, action.recommendation_id).actions[0]
        assert row.overdue and not row.due_soon
