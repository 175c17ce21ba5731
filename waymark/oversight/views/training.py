"""Training records (issue 20 item 2; 002 rec 2a-b): courses, their approval and yearly review,
sessions delivered by signed-off trainers and who completed them. Thin: reads through
``selectors.training``, writes through ``services.training``. The pages name staff, so their reads
are consultations (the platform's middleware logs them)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from waymark.accounts.models import Team, User
from waymark.core import clock
from waymark.core.exports import Disclosure, export_csv, export_view, export_xlsx
from waymark.core.forms import form_add_service_errors, form_fields
from waymark.core.permissions import requires
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.forms_training import CourseForm, SessionForm, WithdrawForm
from waymark.oversight.models import TrainingCourseStatus
from waymark.oversight.selectors import training as sel
from waymark.oversight.services import training as services
from waymark.oversight.views.governance import _form_page
from waymark.work import rules as work_rules
from waymark.work import selectors as work_selectors


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdecimal() else None


def _name(user) -> str:
    return user.get_full_name() or user.username


def _filters(request) -> tuple[str, str]:
    status = request.GET.get("status", "")
    topic = request.GET.get("topic", "")
    return (
        status if status in TrainingCourseStatus.values else "",
        topic if topic in rules.TRAINING_TOPICS else "",
    )


EXPORT_HEADER = ["Delivered on", "Course", "Topic", "Content", "Trainer", "Completed by", "Place"]


@requires(perms.TRAINING_VIEW)
@export_view
def records_export(request):
    """Who completed which course (the courses the list's filters choose), as CSV or XLSX
    (``?format=xlsx``), through the audited export helper. Training records name staff, not
    the people Waymark holds records on: the disclosure names no person."""
    status, topic = _filters(request)
    rows = [
        [
            r.session.delivered_on,
            r.session.course.title,
            sel.topic_label(r.session.course.topic),
            r.session.course.get_status_display(),
            _name(r.session.trainer),
            _name(r.person),
            r.session.place,
        ]
        for r in sel.training_records(status=status, topic=topic)
    ]
    file_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    options = {
        "filename": f"training-records.{file_format}",
        "header": EXPORT_HEADER,
        "rows": rows,
        "count": len(rows),
        "disclosure": Disclosure(
            verb="oversight.training_records_exported",
            purpose=f"Training records: who completed which course, as {file_format.upper()}",
            query={k: v for k, v in (("status", status), ("topic", topic)) if v},
            people=None,
        ),
    }
    if file_format == "xlsx":
        return export_xlsx(request, sheet_title="Training records", **options)
    return export_csv(request, **options)


@requires(perms.TRAINING_VIEW)
def courses(request):
    status, topic = _filters(request)
    return render(
        request,
        "oversight/training/list.html",
        {
            "rows": sel.course_rows(status=status, topic=topic),
            "status": status,
            "topic": topic,
            "statuses": TrainingCourseStatus.choices,
            "topics": [(k, label) for k, (label, _c) in rules.TRAINING_TOPICS.items()],
            "topic_label": sel.topic_label,
            "can_add": request.user.has_perm(perms.TRAINING_RECORD),
            "review_days": rules.TRAINING_CONTENT_REVIEW_DAYS,
        },
    )


@requires(perms.TRAINING_RECORD)
@require_http_methods(["GET", "POST"])
def course_new(request):
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.training_course_add(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Course '{course.title}' added: its content needs approval")
            return redirect("oversight:training-course", course.pk)
    return _form_page(
        request,
        form,
        title="Add a training course",
        submit="Add the course",
        back=reverse("oversight:training"),
        back_text="Back to training",
        intro="A new course is a draft until someone other than you approves its content. "
        f"Its content is then reviewed every {rules.TRAINING_CONTENT_REVIEW_DAYS} days.",
    )


@requires(perms.TRAINING_VIEW)
def course(request, pk: int):
    c = sel.course_get(pk)
    user = request.user
    today = clock.today()
    return render(
        request,
        "oversight/training/course.html",
        {
            "c": c,
            "topic": sel.topic_label(c.topic),
            "sessions": sel.course_sessions(c),
            "shown": sel.SESSIONS_SHOWN,
            "review_overdue": c.status == TrainingCourseStatus.APPROVED
            and c.review_due_on is not None
            and c.review_due_on <= today,
            "can_approve": user.has_perm(perms.TRAINING_APPROVE)
            and c.status != TrainingCourseStatus.WITHDRAWN
            and c.created_by_id != user.pk,
            "is_author": c.created_by_id == user.pk,
            "can_withdraw": user.has_perm(perms.TRAINING_APPROVE)
            and c.status != TrainingCourseStatus.WITHDRAWN,
            "can_record": user.has_perm(perms.TRAINING_RECORD)
            and c.status == TrainingCourseStatus.APPROVED
            and c.review_due_on is not None
            and c.review_due_on > today,
            "name": _name,
        },
    )


@requires(perms.TRAINING_APPROVE)
@require_POST
def course_approve(request, pk: int):
    c = sel.course_get(pk)
    try:
        services.training_course_approve(actor=request.user, course=c)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Content of '{c.title}' approved")
    return redirect("oversight:training-course", c.pk)


@requires(perms.TRAINING_APPROVE)
@require_http_methods(["GET", "POST"])
def course_withdraw(request, pk: int):
    c = sel.course_get(pk)
    if c.status == TrainingCourseStatus.WITHDRAWN:
        raise Http404("This course is already withdrawn")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_course_withdraw(
                actor=request.user, course=c, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"'{c.title}' withdrawn: it can no longer be delivered")
            return redirect("oversight:training-course", c.pk)
    return _form_page(
        request,
        form,
        title=f"Withdraw {c.title}",
        submit="Withdraw the course",
        back=reverse("oversight:training-course", args=[c.pk]),
        back_text="Back to the course",
        intro="Sessions already recorded stay on people's training records.",
    )


def _trainers() -> list[tuple[int, str]]:
    """Everyone who held the trainer competence on some day a session may be recorded for (the
    last ``TRAINING_SESSION_BACKDATE_DAYS``), not only today's holders: a session delivered in
    March by a trainer whose sign-off lapsed in June is still recorded. The service checks the
    day itself."""
    since = clock.today() - timedelta(days=rules.TRAINING_SESSION_BACKDATE_DAYS)
    records = work_selectors.competence_holders_since(work_rules.COMPETENCE_ASSESSOR, since)
    holders = {r.holder_id: _name(r.holder) for r in records if r.holder.is_active}
    return sorted(holders.items(), key=lambda h: h[1])


def _members(team: Team | None) -> list[tuple[int, str]]:
    if team is None:
        return []
    users = User.objects.filter(teams=team, is_active=True, is_machine=False).order_by(
        "last_name", "first_name", "username"
    )
    return [(u.pk, _name(u)) for u in users]


@requires(perms.TRAINING_RECORD)
@require_http_methods(["GET", "POST"])
def session_new(request, pk: int):
    c = sel.course_get(pk)
    teams = list(Team.objects.order_by("name"))
    chosen = _int(request.POST.get("team") or request.GET.get("team"))
    team = next((t for t in teams if t.pk == chosen), None)
    if team is None and chosen is None:
        team = request.user.teams.order_by("name").first()
    trainers = _trainers()
    form = SessionForm(request.POST or None, trainers=trainers, people=_members(team))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_pk = User.objects.in_bulk([data["trainer"], *data["completed_by"]])
        try:
            services.training_session_record(
                actor=request.user,
                course=c,
                trainer=by_pk.get(data["trainer"]),
                delivered_on=data["delivered_on"],
                completed_by=[by_pk[pk] for pk in data["completed_by"] if pk in by_pk],
                place=data["place"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            n = len(data["completed_by"])
            messages.success(
                request, f"Session recorded: {n} {'person' if n == 1 else 'people'} trained"
            )
            return redirect("oversight:training-course", c.pk)
    return render(
        request,
        "oversight/training/session_form.html",
        {
            "c": c,
            "form": form,
            "fields": form_fields(form),
            "teams": teams,
            "team": team,
            "no_trainers": not trainers,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


urlpatterns = [
    path("training/", courses, name="training"),
    path("training/new/", course_new, name="training-course-new"),
    path("training/records/export/", records_export, name="training-records-export"),
    path("training/<int:pk>/", course, name="training-course"),
    path("training/<int:pk>/approve/", course_approve, name="training-course-approve"),
    path("training/<int:pk>/withdraw/", course_withdraw, name="training-course-withdraw"),
    path("training/<int:pk>/sessions/new/", session_new, name="training-session-new"),
]
