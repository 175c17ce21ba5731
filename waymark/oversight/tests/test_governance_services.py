"""Governance's services (issue 20 item 6): risk registers, ratings and the review cadence, reviews
and acceptances that expire, the supplier issues log, complaints with their 20-working-day target,
allocation as a task and the response that completes it, lessons and their search (on SQLite here,
on PostgreSQL when the suite runs there), and the sweeps that turn overdue reviews and overdue
tracker actions into one task each on their owner's queue."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark import testing
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.oversight import rules
from waymark.oversight.models import (
    Complaint,
    Lesson,
    Risk,
    RiskRegister,
    RiskReview,
    SupplierIssue,
)
from waymark.oversight.selectors import governance as sel
from waymark.oversight.services import governance as services
from waymark.work.models import Task

TODAY = testing.NOW.date()  # Wednesday 18 November 2026


@pytest.fixture
def service_delivery(team):
    return testing.user_make("service_delivery", team, last_name="Delivery")


@pytest.fixture
def joint(service_delivery, assurance):
    with clock.frozen(testing.NOW):
        return services.register_create(
            actor=service_delivery,
            name="EM contract joint risk register",
            kind="joint",
            owner=assurance,
            contract_owner=service_delivery,
            supplier="Capita EMS",
        )


def _risk(register, actor, owner, likelihood=4, impact=4, **extra):
    values = {
        "title": "EMS misses service levels",
        "cause": "Service levels measured across the whole contract",
        "effect": "Faulty tags left in place",
        "target_likelihood": 2,
        "target_impact": 2,
        **extra,
    }
    return services.risk_add(
        actor=actor,
        register=register,
        owner=owner,
        likelihood=likelihood,
        impact=impact,
        **values,
    )


def test_a_joint_register_needs_a_contract_owner_and_a_supplier(service_delivery, assurance):
    with pytest.raises(ValidationError) as exc:
        services.register_create(
            actor=service_delivery, name="Joint", kind="joint", owner=assurance, supplier="EMS"
        )
    assert "contract_owner" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.register_create(
            actor=service_delivery,
            name="Joint",
            kind="joint",
            owner=assurance,
            contract_owner=service_delivery,
        )
    assert "supplier" in exc.value.message_dict
    assert not RiskRegister.objects.exists()


def test_only_those_who_keep_registers_may_add_them(analyst, assurance):
    with pytest.raises(PermissionDenied):
        services.register_create(actor=analyst, name="Mine", kind="directorate", owner=assurance)


def test_a_risk_is_rated_and_its_first_review_set_by_its_level(
    joint, service_delivery, line_manager
):
    with clock.frozen(testing.NOW):
        high = _risk(joint, service_delivery, line_manager, 4, 4)
        medium = _risk(joint, service_delivery, line_manager, 3, 3, title="Second")
        low = _risk(joint, service_delivery, line_manager, 1, 3, title="Third", target_impact=1)
    assert (high.rating, high.level, high.number) == (16, "high", 1)
    assert high.next_review_on == TODAY + timedelta(days=90)
    assert medium.next_review_on == TODAY + timedelta(days=180)
    assert low.next_review_on == TODAY + timedelta(days=360)
    assert (medium.number, low.number) == (2, 3)
    assert AuditEvent.objects.filter(verb="oversight.risk_added").count() == 3


@pytest.mark.parametrize("bad", [0, 6, "7", "", None, "x"])
def test_a_likelihood_outside_1_to_5_is_refused_and_nothing_saved(
    bad, joint, service_delivery, line_manager
):
    with pytest.raises(ValidationError) as exc:
        _risk(joint, service_delivery, line_manager, likelihood=bad)
    assert "likelihood" in exc.value.message_dict
    assert not Risk.objects.exists()


def test_a_target_above_the_current_rating_is_refused(joint, service_delivery, line_manager):
    with pytest.raises(ValidationError) as exc:
        _risk(joint, service_delivery, line_manager, 2, 2, target_likelihood=3, target_impact=3)
    assert "target_impact" in exc.value.message_dict


def test_a_review_records_the_rating_then_and_moves_the_next_review(
    joint, service_delivery, line_manager
):
    with clock.frozen(testing.NOW):
        risk = _risk(joint, service_delivery, line_manager, 4, 4)
    later = testing.NOW + timedelta(days=30)
    with clock.frozen(later):
        review = services.risk_review_record(
            actor=line_manager,
            risk=risk,
            reviewed_on=later.date(),
            likelihood=2,
            impact=3,
            note="Service levels recovered",
        )
    risk.refresh_from_db()
    assert (review.rating, review.level) == (6, "medium")
    assert risk.rating == 6 and risk.last_reviewed_on == later.date()
    assert risk.next_review_on == later.date() + timedelta(days=180)
    assert review.next_review_on == risk.next_review_on


def test_a_review_in_the_future_or_before_the_risk_is_refused(
    joint, service_delivery, line_manager
):
    with clock.frozen(testing.NOW):
        risk = _risk(joint, service_delivery, line_manager)
        for day in (TODAY + timedelta(days=1), TODAY - timedelta(days=1)):
            with pytest.raises(ValidationError) as exc:
                services.risk_review_record(
                    actor=line_manager,
                    risk=risk,
                    reviewed_on=day,
                    likelihood=3,
                    impact=3,
                    note="x",
                )
            assert "reviewed_on" in exc.value.message_dict
    assert not RiskReview.objects.exists()


def test_only_the_owner_or_a_register_keeper_reviews(
    joint, service_delivery, line_manager, analyst
):
    with clock.frozen(testing.NOW):
        risk = _risk(joint, service_delivery, line_manager)
        with pytest.raises(PermissionDenied):
            services.risk_review_record(
                actor=analyst, risk=risk, reviewed_on=TODAY, likelihood=3, impact=3, note="x"
            )


def test_an_acceptance_is_by_someone_other_than_the_owner_and_expires(
    joint, service_delivery, line_manager, assurance
):
    with clock.frozen(testing.NOW):
        risk = _risk(joint, service_delivery, service_delivery)
        with pytest.raises(ValidationError, match="someone other than its owner"):
            services.risk_accept(
                actor=service_delivery,
                risk=risk,
                expires_on=TODAY + timedelta(days=30),
                reason="Tolerable",
            )
        with pytest.raises(PermissionDenied):
            services.risk_accept(
                actor=line_manager, risk=risk, expires_on=TODAY + timedelta(days=30), reason="x"
            )
        for bad in (TODAY, TODAY + timedelta(days=rules.RISK_ACCEPTANCE_MAX_DAYS + 1)):
            with pytest.raises(ValidationError) as exc:
                services.risk_accept(actor=assurance, risk=risk, expires_on=bad, reason="x")
            assert "expires_on" in exc.value.message_dict
        assert not risk.acceptances.exists()
        services.risk_accept(
            actor=assurance, risk=risk, expires_on=TODAY + timedelta(days=30), reason="Tolerable"
        )
    risk.refresh_from_db()
    # Due for review when the acceptance expires, not 90 days on.
    assert risk.next_review_on == TODAY + timedelta(days=30)
    assert sel.access_risk(assurance, risk.pk).acceptance is not None
    with clock.frozen(testing.NOW + timedelta(days=31)):
        assert sel.access_risk(assurance, risk.pk).acceptance is None
        assert sel.access_risk(assurance, risk.pk).review_overdue


def test_overdue_reviews_become_one_task_each_on_the_owner_s_queue(
    joint, service_delivery, line_manager
):
    with clock.frozen(testing.NOW):
        risk = _risk(joint, service_delivery, line_manager, 4, 4)
        _risk(
            joint,
            service_delivery,
            line_manager,
            1,
            1,
            title="Not yet due",
            target_likelihood=1,
            target_impact=1,
        )
        assert services.risk_reviews_sweep()["overdue"] == 0
    later = testing.NOW + timedelta(days=91)
    with clock.frozen(later):
        first = services.risk_reviews_sweep()
        second = services.risk_reviews_sweep()
    assert first["overdue"] == second["overdue"] == 1
    tasks = Task.objects.filter(task_type=rules.RISK_REVIEW_TASK_TYPE)
    assert tasks.count() == 1
    task = tasks.get()
    assert task.assignee == line_manager and task.status == "open"
    assert task.queue.slug.endswith(rules.GOVERNANCE_QUEUE_KIND)
    assert task.subject_id == str(risk.pk)
    with clock.frozen(later):
        services.risk_review_record(
            actor=line_manager,
            risk=risk,
            reviewed_on=later.date(),
            likelihood=4,
            impact=4,
            note="No change",
        )
    task.refresh_from_db()
    assert task.status == "done"
    with clock.frozen(later):
        assert services.risk_reviews_sweep()["overdue"] == 0
    assert Task.objects.filter(task_type=rules.RISK_REVIEW_TASK_TYPE).count() == 1


def test_overdue_tracker_actions_become_one_open_task_each(action, line_manager, assurance):
    past_due = testing.NOW.replace(year=2027, month=1, day=5)  # action due 31 December 2026
    with clock.frozen(past_due):
        first = services.actions_overdue_sweep()
        services.actions_overdue_sweep()
    assert first["overdue"] == 1
    tasks = Task.objects.filter(task_type=rules.ACTION_OVERDUE_TASK_TYPE)
    assert tasks.count() == 1 and tasks.get().assignee == line_manager
    # A revised date: the old task closes; when the new date passes, one new task.
    from waymark.oversight import services as tracker

    with clock.frozen(past_due):
        tracker.action_update_post(
            actor=line_manager,
            action=action,
            text="Re-planned",
            revised_due_on=date(2027, 2, 1),
        )
        assert services.actions_overdue_sweep()["closed"] == 1
    assert not Task.objects.filter(task_type=rules.ACTION_OVERDUE_TASK_TYPE, status="open").exists()
    with clock.frozen(past_due.replace(month=2, day=3)):
        services.actions_overdue_sweep()
        services.actions_overdue_sweep()
    open_tasks = Task.objects.filter(task_type=rules.ACTION_OVERDUE_TASK_TYPE, status="open")
    assert open_tasks.count() == 1


def test_an_overdue_action_whose_task_was_ticked_off_by_hand_is_chased_again(action, line_manager):
    """The owner completes the task without bringing the action up to date: nothing new for
    GOVERNANCE_CHASE_DAYS, then one new task; its own completion starts the count again."""
    from waymark.work import services as work

    past_due = testing.NOW.replace(year=2027, month=1, day=5)  # action due 31 December 2026
    with clock.frozen(past_due):
        services.actions_overdue_sweep()
        task = Task.objects.get(task_type=rules.ACTION_OVERDUE_TASK_TYPE)
        work.task_complete(actor=line_manager, task=task, outcome="done")
    for days, expected_open in ((1, 0), (13, 0), (14, 1), (20, 1)):
        with clock.frozen(past_due + timedelta(days=days)):
            services.actions_overdue_sweep()
        opened = Task.objects.filter(task_type=rules.ACTION_OVERDUE_TASK_TYPE, status="open")
        assert opened.count() == expected_open, days
    again = opened.get()
    assert again.dedupe_key.endswith(":again1") and again.assignee == line_manager
    assert Task.objects.filter(task_type=rules.ACTION_OVERDUE_TASK_TYPE).count() == 2


def test_the_supplier_issues_log(joint, service_delivery, line_manager):
    with clock.frozen(testing.NOW):
        issue = services.supplier_issue_raise(
            actor=service_delivery,
            register=joint,
            title="Re-installations late",
            description="79.1% against 95%",
            owner=line_manager,
            raised_on=TODAY,
            target_on=TODAY + timedelta(days=30),
        )
        services.supplier_issue_move(
            actor=service_delivery,
            issue=issue,
            status="with_supplier",
            note="Raised at the meeting",
        )
        issue = services.supplier_issue_move(
            actor=service_delivery, issue=issue, status="resolved", note="Fixed"
        )
        assert issue.resolution == "Fixed" and issue.resolved_on == TODAY
        issue = services.supplier_issue_move(
            actor=service_delivery, issue=issue, status="closed", note="Agreed"
        )
        with pytest.raises(ValidationError):
            services.supplier_issue_move(
                actor=service_delivery, issue=issue, status="open", note="Again"
            )
    assert [h["to"] for h in issue.history] == ["open", "with_supplier", "resolved", "closed"]


def test_issues_are_logged_only_on_a_joint_register(service_delivery, line_manager, assurance):
    with clock.frozen(testing.NOW):
        directorate = services.register_create(
            actor=service_delivery, name="Directorate", kind="directorate", owner=assurance
        )
        with pytest.raises(ValidationError):
            services.supplier_issue_raise(
                actor=service_delivery,
                register=directorate,
                title="x",
                description="x",
                owner=line_manager,
                raised_on=TODAY,
            )
    assert not SupplierIssue.objects.exists()


def _complaint(actor, **extra):
    values = {
        "channel": "letter",
        "received_on": TODAY,
        "complainant": "Their representative",
        "summary": "The tag stopped charging",
        "themes": ["em_equipment", "delay"],
        **extra,
    }
    return services.complaint_record(actor=actor, **values)


def test_a_complaint_s_target_is_20_working_days(assurance):
    with clock.frozen(testing.NOW):
        complaint = _complaint(assurance)
    assert complaint.reference == f"CMP-{complaint.pk:06d}"
    assert complaint.due_on == rules.complaint_due_on(TODAY) == date(2026, 12, 16)
    assert sorted(t.theme for t in complaint.themes.all()) == ["delay", "em_equipment"]
    assert complaint.status == "received"


def test_a_complaint_needs_a_channel_a_theme_and_a_known_person(assurance):
    with clock.frozen(testing.NOW):
        for extra, field in (
            ({"channel": "pigeon"}, "channel"),
            ({"themes": []}, "themes"),
            ({"received_on": TODAY + timedelta(days=1)}, "received_on"),
            ({"person_reference": "WM-9999999"}, "person_reference"),
            ({"summary": "  "}, "summary"),
        ):
            with pytest.raises(ValidationError) as exc:
                _complaint(assurance, **extra)
            assert field in exc.value.message_dict, field
    assert not Complaint.objects.exists()


def test_allocation_is_a_task_for_the_handler_and_the_response_completes_it(
    assurance, line_manager, second_assurance
):
    with clock.frozen(testing.NOW):
        complaint = _complaint(assurance)
        complaint = services.complaint_allocate(
            actor=assurance, complaint=complaint, handler=line_manager
        )
    task = Task.objects.get(task_type=rules.COMPLAINT_TASK_TYPE)
    assert task.assignee == line_manager and task.subject_id == str(complaint.pk)
    assert task.due_at.astimezone(clock.LONDON).date() == complaint.due_on
    # Reallocated: the first handler's task closes, the second has one.
    with clock.frozen(testing.NOW):
        complaint = services.complaint_allocate(
            actor=assurance, complaint=complaint, handler=second_assurance
        )
    task.refresh_from_db()
    assert task.status == "done"
    new = Task.objects.get(task_type=rules.COMPLAINT_TASK_TYPE, status="open")
    assert new.assignee == second_assurance
    with clock.frozen(testing.NOW + timedelta(days=7)):
        complaint = services.complaint_respond(
            actor=second_assurance,
            complaint=complaint,
            responded_on=TODAY + timedelta(days=7),
            outcome="partly_upheld",
            response="We have asked EMS to replace the charger.",
        )
    new.refresh_from_db()
    assert new.status == "done"
    assert complaint.status == "responded" and complaint.on_time is True


def test_a_response_dated_before_receipt_is_refused_and_nothing_saved(assurance, line_manager):
    with clock.frozen(testing.NOW):
        complaint = _complaint(assurance)
        services.complaint_allocate(actor=assurance, complaint=complaint, handler=line_manager)
        with pytest.raises(ValidationError) as exc:
            services.complaint_respond(
                actor=line_manager,
                complaint=complaint,
                responded_on=TODAY - timedelta(days=1),
                outcome="upheld",
                response="Sorry",
            )
    assert "responded_on" in exc.value.message_dict
    complaint.refresh_from_db()
    assert complaint.status == "allocated" and complaint.responded_on is None


def test_only_the_handler_or_a_complaints_manager_responds(assurance, line_manager, analyst):
    with clock.frozen(testing.NOW):
        complaint = _complaint(assurance)
        with pytest.raises(ValidationError, match="Allocate"):
            services.complaint_respond(
                actor=assurance,
                complaint=complaint,
                responded_on=TODAY,
                outcome="upheld",
                response="x",
            )
        services.complaint_allocate(actor=assurance, complaint=complaint, handler=line_manager)
        complaint.refresh_from_db()
        with pytest.raises(PermissionDenied):
            services.complaint_respond(
                actor=analyst,
                complaint=complaint,
                responded_on=TODAY,
                outcome="upheld",
                response="x",
            )


def test_the_themes_analysis_counts_by_theme_and_month_and_the_on_time_rate(
    assurance, line_manager
):
    with clock.frozen(testing.NOW):
        on_time = _complaint(assurance, themes=["delay"])
        late = _complaint(assurance, themes=["delay", "communication"])
        _complaint(assurance, themes=["communication"])
        for c in (on_time, late):
            services.complaint_allocate(actor=assurance, complaint=c, handler=line_manager)
    with clock.frozen(testing.NOW + timedelta(days=10)):
        services.complaint_respond(
            actor=line_manager,
            complaint=on_time,
            responded_on=TODAY + timedelta(days=10),
            outcome="upheld",
            response="x",
        )
    with clock.frozen(testing.NOW + timedelta(days=40)):
        services.complaint_respond(
            actor=line_manager,
            complaint=late,
            responded_on=TODAY + timedelta(days=40),
            outcome="not_upheld",
            response="x",
        )
        a = sel.complaint_themes_analysis()
    november = date(2026, 11, 1)
    assert a.counts["delay"][november] == 2 and a.counts["communication"][november] == 2
    assert a.total == 3 and a.month_totals[november] == 3
    assert (a.responded["delay"], a.on_time["delay"]) == (2, 1)
    assert a.rate(a.on_time["delay"], a.responded["delay"]) == "50%"
    assert a.outcomes["delay"]["upheld"] == 1 and a.outcomes["delay"]["not_upheld"] == 1


def _lesson(actor, owner, **extra):
    values = {
        "title": "Weigh the explanation before deciding a breach",
        "source_type": "litigation",
        "source_reference": "JR settled 2026",
        "summary": "A breach decision ignored a faulty charger.",
        "lesson": "Record the explanation and the weight given to it.",
        "actions": "The breach form asks for both.",
        "learned_on": TODAY,
        **extra,
    }
    return services.lesson_record(actor=actor, owner=owner, **values)


def test_lessons_are_searchable_by_any_word_and_prefix(assurance, line_manager):
    with clock.frozen(testing.NOW):
        breach = _lesson(assurance, line_manager)
        guidance = _lesson(
            assurance,
            line_manager,
            title="Guidance staff cannot find is not followed",
            source_type="review",
            source_reference="ICIBI 003",
            summary="Officers could not find guidance on a phone.",
            lesson="Make guidance searchable.",
            actions="",
        )
    assert [x.pk for x in sel.lesson_search("charger")] == [breach.pk]
    assert [x.pk for x in sel.lesson_search("explanation breach")] == [breach.pk]
    assert [x.pk for x in sel.lesson_search("guid")] == [guidance.pk]  # a prefix while typing
    assert [x.pk for x in sel.lesson_search("searchable", source_type="litigation")] == []
    assert sel.lesson_search("nothing-matches-this") == []
    assert sel.lesson_search("   ") == []


def test_a_lesson_needs_its_source_and_a_past_date(assurance, line_manager):
    with clock.frozen(testing.NOW):
        for extra, field in (
            ({"source_type": "rumour"}, "source_type"),
            ({"source_reference": ""}, "source_reference"),
            ({"learned_on": TODAY + timedelta(days=2)}, "learned_on"),
        ):
            with pytest.raises(ValidationError) as exc:
                _lesson(assurance, line_manager, **extra)
            assert field in exc.value.message_dict
    assert not Lesson.objects.exists()
