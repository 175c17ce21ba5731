"""Competence pages (issue 20 item 2): the register of who holds which competence, what expires
soon and a summary per team; and the sign-off form, through ``work.services.competence_sign_off``
(the records live in work, whose get next and allocation read them: docs/decisions/0016). The
register names staff, so its reads are audited as consultations by the platform's middleware."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from waymark.accounts.models import Team, User
from waymark.core import clock
from waymark.core.forms import GovUKDateField, GovUKForm, form_add_service_errors, form_fields
from waymark.core.permissions import requires
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.work import selectors as work_selectors
from waymark.work import services as work_services
from waymark.work.registry import (
    competence_label,
    competence_requirements,
    competences,
    task_type_label,
)


def _people():
    return User.objects.filter(is_active=True, is_machine=False).order_by(
        "last_name", "first_name", "username"
    )


class CompetenceSignOffForm(GovUKForm):
    holder = forms.TypedChoiceField(
        label="Who is signed off",
        coerce=int,
        choices=(),
        error_messages={"required": "Select the person you assessed"},
    )
    competence_key = forms.ChoiceField(
        label="Competence",
        choices=(),
        error_messages={
            "required": "Select the competence",
            "invalid_choice": "Select a competence",
        },
    )
    expires_on = GovUKDateField(label="Expiry date")
    refresher_due_on = GovUKDateField(label="Refresher due (optional)", required=False)
    evidence = forms.CharField(
        label="Evidence of the assessment",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter how the competence was assessed"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].choices = [
            ("", "Select a person"),
            *[(u.pk, u.display_name) for u in _people()],
        ]
        self.fields["competence_key"].choices = [
            ("", "Select a competence"),
            *[(k.key, k.label) for k in competences()],
        ]


def _filters(request) -> dict:
    keys = {k.key for k in competences()}
    key = request.GET.get("competence", "")
    team = request.GET.get("team", "")
    return {
        "competence_key": key if key in keys else "",
        "team_id": int(team) if team.isdecimal() else None,
        "expiring_only": request.GET.get("expiring") == "1",
        "holder_id": int(person) if (person := request.GET.get("person", "")).isdecimal() else None,
    }


@requires(perms.COMPETENCE_VIEW)
def competence_list(request):
    filters = _filters(request)
    today = clock.today()
    expiring_by = today + timedelta(days=rules.COMPETENCE_EXPIRING_SOON_DAYS)
    records = work_selectors.competence_register(
        on=today,
        competence_key=filters["competence_key"],
        team_id=filters["team_id"],
        expiring_by=expiring_by if filters["expiring_only"] else None,
        holder_id=filters["holder_id"],
    )[:500]
    gates: dict[str, list[str]] = {}
    for type_key, key in sorted(competence_requirements().items()):
        gates.setdefault(key, []).append(task_type_label(type_key))
    return render(
        request,
        "oversight/competence/list.html",
        {
            "records": [
                {"record": r, "label": competence_label(r.competence_key)} for r in records
            ],
            "filters": filters,
            "kinds": [{"kind": k, "gates": gates.get(k.key, [])} for k in competences()],
            "teams": Team.objects.order_by("name"),
            "summary": work_selectors.competence_team_summary(on=today, expiring_by=expiring_by),
            "expiring_by": expiring_by,
            "soon_days": rules.COMPETENCE_EXPIRING_SOON_DAYS,
            "can_sign_off": request.user.has_perm(perms.COMPETENCE_SIGN_OFF),
        },
    )


@requires(perms.COMPETENCE_SIGN_OFF)
@require_http_methods(["GET", "POST"])
def competence_sign_off(request):
    form = CompetenceSignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        holder = _people().filter(pk=data.pop("holder")).first()
        if holder is None:
            form.add_error("holder", "Select the person you assessed")
        else:
            try:
                work_services.competence_sign_off(actor=request.user, holder=holder, **data)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"{holder.display_name} is signed off as "
                    f"{competence_label(data['competence_key'])}",
                )
                return redirect("oversight:competence-list")
    return render(
        request,
        "oversight/competence/sign_off.html",
        {"form": form, "fields": form_fields(form)},
        status=400 if form.is_bound and form.errors else 200,
    )


def _with_quality(since, until, by: str, team_id: int | None) -> list[dict]:
    """Throughput and timeliness (work's selectors) with QA quality (oversight's) per row."""
    from waymark.oversight.selectors import qa_people

    quality = qa_people.quality_by(since=since, until=until, by=by, team_id=team_id)
    model = User if by == "person" else Team
    names = {
        o.pk: (o.display_name if by == "person" else o.name)
        for o in model.objects.filter(pk__in=list(quality))
    }
    rows = work_selectors.throughput(since=since, until=until, by=by, team_id=team_id)
    return qa_people.with_quality(rows, quality, names)


@requires(perms.COMPETENCE_VIEW)
def performance(request):
    """Throughput and timeliness per person and team over a period, read through work's
    selectors (issue 20 item 2)."""
    days_raw = request.GET.get("days", "")
    days = (
        int(days_raw)
        if days_raw.isdecimal() and int(days_raw) in rules.PERFORMANCE_PERIOD_DAYS
        else rules.PERFORMANCE_PERIOD_DAYS[0]
    )
    team_raw = request.GET.get("team", "")
    team_id = int(team_raw) if team_raw.isdecimal() else None
    until = clock.now()
    since = until - timedelta(days=days)
    return render(
        request,
        "oversight/competence/performance.html",
        {
            "days": days,
            "periods": sorted(rules.PERFORMANCE_PERIOD_DAYS),
            "team_id": team_id,
            "teams": Team.objects.order_by("name"),
            "since": since,
            "until": until,
            # quality beside throughput and timeliness: QA ratings over the same period
            "by_person": _with_quality(since, until, "person", team_id),
            "by_team": _with_quality(since, until, "team", team_id),
        },
    )


urlpatterns = [
    path("competence/", competence_list, name="competence-list"),
    path("competence/sign-off/", competence_sign_off, name="competence-sign-off"),
    path("competence/performance/", performance, name="performance"),
]
