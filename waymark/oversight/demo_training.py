"""Training records' demo data (issue 20 item 2): a course for every training topic, written by a
line manager and approved by the assurance team (two approved almost a year ago, so their yearly
review falls due soon; one still a draft awaiting approval), and this morning's sessions, delivered
by the demo's signed-off trainers to the people whose quality reviews suggested the topic. All
writes go through ``services.training``, so they are audited. Runs after the competence demo (the
trainers' competence assessor sign-offs; order in registrations.py)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from waymark.core import clock

DRAFT_TOPIC = "guidance"  # left as a draft, to show approval
SOON_TOPICS = ("timeliness", "authority")  # approved 350 days ago: review due in about 15 days
SESSIONS = 3  # delivered this morning, on the topics most suggested


def training_demo_load(
    *,
    anchor: datetime,
    scale: float = 1.0,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    from waymark.accounts.models import User
    from waymark.oversight import rules
    from waymark.oversight.models import TrainingCourse, TrainingSession
    from waymark.oversight.selectors.qa_people import training_needs
    from waymark.oversight.services import training as services
    from waymark.work import rules as work_rules
    from waymark.work import selectors as work_selectors

    rng = random.Random(seed)
    if TrainingCourse.objects.exists():
        return {"courses": TrainingCourse.objects.count()}
    staff = User.objects.filter(is_active=True, is_machine=False)
    author = staff.filter(username="line-manager").first()
    approver = staff.filter(username="assurance").first()
    if author is None or approver is None:
        return {"courses": 0}
    courses = {}
    with clock.frozen(anchor - timedelta(days=400)):
        for topic, (label, _competence) in rules.TRAINING_TOPICS.items():
            courses[topic] = services.training_course_add(
                actor=author,
                topic=topic,
                title=label,
                description=f"Demo: a half-day course on {label[:1].lower() + label[1:]}.",
            )
    with clock.frozen(anchor - timedelta(days=350)):
        for topic in SOON_TOPICS:
            services.training_course_approve(actor=approver, course=courses[topic])
    with clock.frozen(anchor - timedelta(days=30)):
        for topic, course in courses.items():
            if topic not in (DRAFT_TOPIC, *SOON_TOPICS):
                services.training_course_approve(actor=approver, course=course)
    sessions = 0
    with clock.frozen(anchor):
        today = clock.today()
        trainers = [
            u
            for u in staff.order_by("pk")
            if work_selectors.competence_held_on(u, work_rules.COMPETENCE_ASSESSOR, today)
        ]
        if trainers:
            suggested: dict[str, list] = {}
            for row in training_needs(by="person"):
                for need in row.needs:
                    suggested.setdefault(need.topic, []).append(row.key)
            ranked = sorted(
                (t for t in suggested if t != DRAFT_TOPIC), key=lambda t: -len(suggested[t])
            )
            for topic in ranked[:SESSIONS]:
                trainer = rng.choice(trainers)
                people = [
                    u
                    for u in User.objects.filter(pk__in=suggested[topic]).order_by("pk")
                    if u.pk != trainer.pk
                ]
                take = people[: max(1, len(people) // 2)]  # half of them trained so far
                if not take:
                    continue
                services.training_session_record(
                    actor=author,
                    course=courses[topic],
                    trainer=trainer,
                    delivered_on=today,
                    completed_by=take,
                    place="Training room 2",
                )
                sessions += 1
    if progress:
        progress(f"Training: {len(courses)} courses, {sessions} sessions")
    return {"courses": len(courses), "sessions": TrainingSession.objects.count()}
