"""Training records (issue 20 item 2; 002 rec 2a-b): a course's content approved by someone other
than its author and reviewed yearly; sessions only of approved content, only by a trainer who held
a signed-off trainer competence on the day; who completed them; the training needs page showing a
need met. Every refusal names the reason and saves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from waymark import testing
from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.oversight import rules
from waymark.oversight.models import (
    TrainingCourse,
    TrainingCourseStatus,
    TrainingRecord,
    TrainingSession,
)
from waymark.oversight.services import training as services
from waymark.work import rules as work_rules
from waymark.work import services as work_services

NOW = testing.NOW


@pytest.fixture
def trainer(team, second_assurance):
    """A line manager signed off as a competence assessor (trainer) 10 days before NOW."""
    user = testing.user_make("line_manager", team, last_name="Trainer")
    with clock.frozen(NOW - timedelta(days=10)):
        work_services.competence_sign_off(
            actor=None,
            holder=user,
            assessor=second_assurance,
            competence_key=work_rules.COMPETENCE_ASSESSOR,
            expires_on=clock.today() + timedelta(days=365),
            evidence="Business embedded trainer course",
        )
    return user


@pytest.fixture
def learners(team):
    return [testing.user_make("case_owner", team, last_name=f"Learner{i}") for i in range(3)]


@pytest.fixture
def course(line_manager, assurance):
    """A course on record keeping written by the line manager and approved 30 days before NOW."""
    with clock.frozen(NOW - timedelta(days=30)):
        c = services.training_course_add(
            actor=line_manager, topic="recording", title="Record keeping", description="Notes"
        )
        return services.training_course_approve(actor=assurance, course=c)


def _record(course, actor, trainer, people, *, day=None):
    return services.training_session_record(
        actor=actor,
        course=course,
        trainer=trainer,
        delivered_on=day or NOW.date(),
        completed_by=people,
        place="Room 2",
    )


def _refused(fn, field: str | None, text: str) -> None:
    sessions, records = TrainingSession.objects.count(), TrainingRecord.objects.count()
    with pytest.raises(ValidationError) as exc, clock.frozen(NOW):
        fn()
    if field is None:
        assert text in " ".join(exc.value.messages)
    else:
        assert text in " ".join(exc.value.message_dict[field])
    assert (TrainingSession.objects.count(), TrainingRecord.objects.count()) == (sessions, records)


def test_a_course_is_a_draft_until_someone_other_than_its_author_approves_it(
    line_manager, assurance, team
):
    with clock.frozen(NOW):
        c = services.training_course_add(actor=line_manager, topic="recording", title="Notes")
        assert c.status == TrainingCourseStatus.DRAFT and c.review_due_on is None
        # An assurance officer who wrote a course may not approve it.
        own = services.training_course_add(actor=assurance, topic="timeliness", title="Deadlines")
        with pytest.raises(ValidationError, match="approved by someone else"):
            services.training_course_approve(actor=assurance, course=own)
        own.refresh_from_db()
        assert own.status == TrainingCourseStatus.DRAFT and own.approved_by is None
        # A line manager may add courses but not approve them.
        with pytest.raises(PermissionDenied):
            services.training_course_approve(actor=line_manager, course=c)
        approved = services.training_course_approve(actor=assurance, course=c)
    assert approved.status == TrainingCourseStatus.APPROVED
    assert approved.approved_by == assurance and approved.approved_on == NOW.date()
    assert approved.review_due_on == NOW.date() + timedelta(days=365)
    assert rules.TRAINING_CONTENT_REVIEW_DAYS == 365
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="oversight.training_course").values_list(
            "verb", flat=True
        )
    )
    assert verbs.count("oversight.training_course_added") == 2
    assert verbs.count("oversight.training_course_approved") == 1


def test_a_course_needs_a_known_topic_and_a_title(line_manager):
    with clock.frozen(NOW), pytest.raises(ValidationError) as exc:
        services.training_course_add(actor=line_manager, topic="juggling", title="Juggling")
    assert "topic" in exc.value.message_dict
    with clock.frozen(NOW), pytest.raises(ValidationError) as exc:
        services.training_course_add(actor=line_manager, topic="recording", title="  ")
    assert "title" in exc.value.message_dict
    assert not TrainingCourse.objects.exists()


def test_a_session_is_recorded_with_who_completed_it(course, line_manager, trainer, learners):
    with clock.frozen(NOW):
        session = _record(course, line_manager, trainer, learners + learners[:1])  # one twice
    assert set(session.records.values_list("person_id", flat=True)) == {u.pk for u in learners}
    entry = AuditEvent.objects.get(verb="oversight.training_session_recorded")
    assert entry.payload["new"]["trainer"] == trainer.pk
    assert entry.payload["new"]["completed_by"] == sorted(u.pk for u in learners)


def test_a_trainer_must_hold_a_signed_off_trainer_competence_on_the_day(
    course, line_manager, trainer, learners, team
):
    untrained = testing.user_make("line_manager", team, last_name="Untrained")
    _refused(
        lambda: _record(course, line_manager, untrained, learners),
        "trainer",
        "did not hold a signed-off",
    )
    # The trainer was signed off 10 days ago: a session 12 days ago was before it.
    _refused(
        lambda: _record(course, line_manager, trainer, learners, day=NOW.date() - timedelta(12)),
        "trainer",
        "a trainer must be trained and assessed first",
    )
    _refused(
        lambda: _record(course, line_manager, trainer, [*learners, trainer]),
        "completed_by",
        "cannot be recorded as trained by their own session",
    )


def test_a_session_is_refused_for_content_not_approved_on_the_day(
    course, line_manager, assurance, trainer, learners
):
    with clock.frozen(NOW):
        draft = services.training_course_add(actor=assurance, topic="recording", title="Draft")
    _refused(lambda: _record(draft, line_manager, trainer, learners), None, "approved")
    # Approved 30 days ago: a session 40 days ago was delivered before the content was approved
    # (the trainer competence aside: use a day they held it by moving their sign-off).
    from waymark.work.models import Competence

    Competence.objects.filter(holder=trainer).update(signed_off_at=NOW - timedelta(days=100))
    _refused(
        lambda: _record(course, line_manager, trainer, learners, day=NOW.date() - timedelta(40)),
        "delivered_on",
        "not approved on that day",
    )
    with clock.frozen(NOW):
        services.training_course_withdraw(actor=assurance, course=course, reason="Out of date")
    _refused(lambda: _record(course, line_manager, trainer, learners), None, "approved")


def test_a_session_past_the_courses_yearly_review_is_refused(
    course, line_manager, trainer, learners
):
    later = NOW + timedelta(days=340)  # the review was due 335 days after NOW
    with clock.frozen(later), pytest.raises(ValidationError) as exc:
        _record(course, line_manager, trainer, learners, day=later.date())
    assert "not approved on that day" in " ".join(exc.value.message_dict["delivered_on"])


@pytest.mark.parametrize(
    ("days", "text"),
    [(-1, "today or in the past"), (367, "up to 366 days after")],
)
def test_a_session_in_the_future_or_more_than_a_year_back_is_refused(
    course, line_manager, trainer, learners, days, text
):
    day = NOW.date() - timedelta(days=days)
    _refused(
        lambda: _record(course, line_manager, trainer, learners, day=day), "delivered_on", text
    )


def test_a_session_with_nobody_trained_or_without_permission_is_refused(
    course, line_manager, trainer, analyst
):
    _refused(lambda: _record(course, line_manager, trainer, []), "completed_by", "at least one")
    with clock.frozen(NOW), pytest.raises(PermissionDenied):
        _record(course, analyst, trainer, [line_manager])


# --- pages ----------------------------------------------------------------------------------------


def test_the_pages_list_a_course_and_record_a_session(
    client, course, line_manager, trainer, learners, team
):
    client.force_login(line_manager)
    with clock.frozen(NOW):
        page = client.get(reverse("oversight:training")).content.decode()
        assert "Record keeping" in page and "Approved" in page and "Not yet delivered" in page
        detail = client.get(reverse("oversight:training-course", args=[course.pk])).content.decode()
        assert "Record a session" in detail and "Approve the content" not in detail
        url = reverse("oversight:training-session-new", args=[course.pk])
        form = client.get(url, {"team": team.pk}).content.decode()
        assert learners[0].last_name in form and trainer.last_name in form
        day = NOW.date()
        data = {
            "team": team.pk,
            "trainer": trainer.pk,
            "delivered_on_0": day.day,
            "delivered_on_1": day.month,
            "delivered_on_2": day.year,
            "place": "Room 2",
            "completed_by": [learners[0].pk, learners[1].pk],
        }
        # The trainer among those trained: the error summary, nothing saved.
        bad = client.post(url, {**data, "completed_by": [trainer.pk]})
        assert bad.status_code == 400
        assert "govuk-error-summary" in bad.content.decode()
        assert not TrainingSession.objects.exists()
        done = client.post(url, data)
        assert done.status_code == 302
        assert TrainingRecord.objects.count() == 2
        detail = client.get(reverse("oversight:training-course", args=[course.pk])).content.decode()
    assert learners[0].last_name in detail and "Room 2" in detail


def test_the_author_is_not_offered_approval_and_another_assurance_officer_approves(
    client, assurance, second_assurance
):
    with clock.frozen(NOW):
        c = services.training_course_add(actor=assurance, topic="vulnerability", title="Safe")
        client.force_login(assurance)
        page = client.get(reverse("oversight:training-course", args=[c.pk])).content.decode()
        assert "You wrote it, so you cannot approve it" in page
        assert "Approve the content" not in page
        refused = client.post(reverse("oversight:training-course-approve", args=[c.pk]))
        assert refused.status_code == 302
        c.refresh_from_db()
        assert c.status == TrainingCourseStatus.DRAFT
        client.force_login(second_assurance)
        client.post(reverse("oversight:training-course-approve", args=[c.pk]))
    c.refresh_from_db()
    assert c.status == TrainingCourseStatus.APPROVED and c.approved_by == second_assurance


def test_a_course_is_added_and_withdrawn_through_the_pages(client, line_manager, assurance):
    client.force_login(line_manager)
    with clock.frozen(NOW):
        bad = client.post(reverse("oversight:training-course-new"), {"topic": "", "title": ""})
        assert bad.status_code == 400 and "Select the training topic" in bad.content.decode()
        client.post(
            reverse("oversight:training-course-new"), {"topic": "recording", "title": "Notes"}
        )
        c = TrainingCourse.objects.get()
        client.force_login(assurance)
        url = reverse("oversight:training-course-withdraw", args=[c.pk])
        assert client.post(url, {"reason": ""}).status_code == 400
        assert client.post(url, {"reason": "Replaced"}).status_code == 302
    c.refresh_from_db()
    assert c.status == TrainingCourseStatus.WITHDRAWN and c.withdrawn_reason == "Replaced"
    assert client.get(url).status_code == 404  # already withdrawn


def test_the_training_needs_page_shows_a_need_met_by_training_after_the_failure(
    course, line_manager, trainer, learners
):
    from waymark.oversight.selectors import qa_people

    need = qa_people.TrainingNeed("recording", "Record keeping", "", 2, 1, NOW - timedelta(days=3))
    assert not need.trained_since
    need.trained_on = (NOW - timedelta(days=4)).date()
    assert not need.trained_since  # trained before the latest failure
    with clock.frozen(NOW):
        _record(course, line_manager, trainer, learners[:1])
    from waymark.oversight.selectors.training import completed_topics

    done = completed_topics([learners[0].pk, learners[1].pk])
    assert done == {(learners[0].pk, "recording"): NOW.date()}
    need.trained_on = done[(learners[0].pk, "recording")]
    assert need.trained_since


def test_the_demo_adds_a_course_per_topic_with_one_draft_and_two_reviews_due_soon(team):
    from waymark.oversight.demo_training import DRAFT_TOPIC, SOON_TOPICS, training_demo_load

    testing.user_make("line_manager", team, username="line-manager")
    testing.user_make("assurance", team, username="assurance")
    counts = training_demo_load(anchor=NOW)
    assert counts["courses"] == len(rules.TRAINING_TOPICS)
    by_topic = {c.topic: c for c in TrainingCourse.objects.all()}
    assert by_topic[DRAFT_TOPIC].status == TrainingCourseStatus.DRAFT
    for topic in SOON_TOPICS:
        assert by_topic[topic].review_due_on == NOW.date() + timedelta(days=15)
    approved = [c for c in by_topic.values() if c.status == TrainingCourseStatus.APPROVED]
    assert len(approved) == len(rules.TRAINING_TOPICS) - 1
    assert all(c.approved_by.username == "assurance" for c in approved)
    assert training_demo_load(anchor=NOW) == {"courses": len(rules.TRAINING_TOPICS)}  # once


def test_the_records_export_lists_who_completed_what_and_is_one_disclosure(
    client, course, line_manager, trainer, learners
):
    import csv
    import io

    with clock.frozen(NOW):
        _record(course, line_manager, trainer, learners[:2])
    client.force_login(line_manager)
    url = reverse("oversight:training-records-export")
    with clock.frozen(NOW):
        page = client.get(reverse("oversight:training")).content.decode()
        assert f"{url}?format=csv" in page
        response = client.get(url, {"format": "csv", "topic": "recording"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Delivered on", "Course", "Topic"]
    people = sorted(r[5] for r in rows[1:] if r and r[0] == NOW.date().isoformat())
    assert people == sorted(u.get_full_name() for u in learners[:2])
    entry = AuditEvent.objects.get(verb="oversight.training_records_exported")
    assert entry.action == "disclosure"
    with clock.frozen(NOW):
        none = client.get(url, {"format": "csv", "topic": "timeliness"})
    body = b"".join(none.streaming_content).decode("utf-8-sig")
    assert not any(NOW.date().isoformat() in line for line in body.splitlines())
    xlsx = client.get(url, {"format": "xlsx"})
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx["Content-Type"]


def test_a_person_sees_the_training_they_completed(client, course, line_manager, trainer, learners):
    with clock.frozen(NOW):
        _record(course, line_manager, trainer, learners[:1])
    client.force_login(learners[0])
    page = client.get(reverse("oversight:qa-mine")).content.decode()
    assert "Training completed" in page and "Record keeping" in page
    client.force_login(learners[1])
    page = client.get(reverse("oversight:qa-mine")).content.decode()
    assert "No training is recorded for you yet." in page


def test_someone_without_the_permission_cannot_export(client, learners):
    client.force_login(learners[0])
    assert client.get(reverse("oversight:training-records-export")).status_code == 403


def test_a_session_recorded_late_offers_a_trainer_whose_sign_off_has_since_lapsed(
    client, course, line_manager, learners, team, second_assurance
):
    """The form offers whoever held the trainer competence within the backdating window, not only
    today's holders: a session delivered while the sign-off stood is still recorded after it
    lapsed. Someone whose sign-off lapsed before the window is not offered."""
    lapsed = testing.user_make("line_manager", team, last_name="Lapsed")
    long_gone = testing.user_make("line_manager", team, last_name="Longgone")
    for user, signed, expires in (
        (lapsed, NOW - timedelta(days=60), NOW.date() - timedelta(days=5)),
        (
            long_gone,
            NOW - timedelta(days=rules.TRAINING_SESSION_BACKDATE_DAYS + 100),
            NOW.date() - timedelta(days=rules.TRAINING_SESSION_BACKDATE_DAYS + 1),
        ),
    ):
        with clock.frozen(signed):
            work_services.competence_sign_off(
                actor=None,
                holder=user,
                assessor=second_assurance,
                competence_key=work_rules.COMPETENCE_ASSESSOR,
                expires_on=expires,
                evidence="Business embedded trainer course",
            )
    client.force_login(line_manager)
    url = reverse("oversight:training-session-new", args=[course.pk])
    day = NOW.date() - timedelta(days=20)  # while the lapsed trainer's sign-off stood
    with clock.frozen(NOW):
        form = client.get(url, {"team": team.pk}).content.decode()
        start = form.index('name="trainer"')
        trainers = form[start : form.index("</select>", start)]
        assert "Lapsed" in trainers and "Longgone" not in trainers
        done = client.post(
            url,
            {
                "team": team.pk,
                "trainer": lapsed.pk,
                "delivered_on_0": day.day,
                "delivered_on_1": day.month,
                "delivered_on_2": day.year,
                "completed_by": [learners[0].pk],
            },
        )
    assert done.status_code == 302
    session = TrainingSession.objects.get()
    assert session.trainer_id == lapsed.pk and session.delivered_on == day
    # On a day after the lapse the same trainer is refused, with the reason.
    _refused(
        lambda: _record(course, line_manager, lapsed, learners[1:], day=NOW.date() - timedelta(2)),
        "trainer",
        "did not hold a signed-off",
    )
