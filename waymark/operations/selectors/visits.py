"""Reads for enforcement operations planning: team scoping, readiness, premises history,
authorisation lists and the data-quality lists the measures pages show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from waymark.core import clock
from waymark.operations import permissions as perms
from waymark.operations import rules
from waymark.operations.models import (
    Authorisation,
    IntelligencePackage,
    NotificationForm,
    Visit,
    VisitOfficer,
    VisitStatus,
)

VIEW_ALL = perms.VIEW_ALL


# ------------------------------------------------------------------------------------------------
# Scoping


def _sees_all(user) -> bool:
    return bool(user is not None and user.has_perm(VIEW_ALL))


def visit_visible_queryset(user) -> QuerySet[Visit]:
    """Visits of the user's own teams, visits they are assigned to, or every visit with
    ``operations.view_all_operations``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Visit.objects.none()
    if _sees_all(user):
        return Visit.objects.all()
    return Visit.objects.filter(Q(team__in=user.teams.all()) | Q(officers__officer=user)).distinct()


def access_visit(user, pk: int) -> Visit:
    """One visit the user may see, or 404."""
    visit = (
        visit_visible_queryset(user)
        .select_related(
            "team",
            "premises",
            "premises__sector",
            "premises__police_force",
            "officer_in_charge",
            "intelligence",
        )
        .filter(pk=pk)
        .first()
    )
    if visit is None:
        raise Http404("No such visit")
    return visit


def intelligence_visible_queryset(user) -> QuerySet[IntelligencePackage]:
    if user is None or not getattr(user, "is_authenticated", False):
        return IntelligencePackage.objects.none()
    if _sees_all(user):
        return IntelligencePackage.objects.all()
    return IntelligencePackage.objects.filter(team__in=user.teams.all())


def access_intelligence(user, pk: int | str) -> IntelligencePackage:
    if not str(pk).isdecimal():  # ?intelligence= from a link: anything but a key names none
        raise Http404("No such intelligence package")
    package = (
        intelligence_visible_queryset(user)
        .select_related("team", "premises", "premises__sector")
        .filter(pk=pk)
        .first()
    )
    if package is None:
        raise Http404("No such intelligence package")
    return package


def visit_list(
    user, *, status: str = "", rating: str = "", date_from=None, date_to=None
) -> QuerySet[Visit]:
    visits = visit_visible_queryset(user).select_related("team", "premises")
    if status:
        visits = visits.filter(status=status)
    if rating == "none":
        visits = visits.filter(risk_rating="")
    elif rating:
        visits = visits.filter(risk_rating=rating)
    if date_from:
        visits = visits.filter(planned_start__date__gte=date_from)
    if date_to:
        visits = visits.filter(planned_start__date__lte=date_to)
    return visits.order_by("-planned_start", "-pk")


def intelligence_list(
    user, *, status: str = "", priority: int | None = None
) -> QuerySet[IntelligencePackage]:
    packages = intelligence_visible_queryset(user).select_related("team", "premises")
    if status:
        packages = packages.filter(status=status)
    if priority:
        packages = packages.filter(priority=priority)
    return packages


# ------------------------------------------------------------------------------------------------
# The plan: current records


def current_authorisation(visit: Visit) -> Authorisation | None:
    return visit.authorisations.filter(
        granted=True, lapsed_at__isnull=True, plan_version=visit.plan_version
    ).first()


def counting_notification(visit: Visit) -> NotificationForm | None:
    """A returned form that counts (signed and complete) and is valid on the visit date."""
    for form in visit.notification_forms.filter(returned_at__isnull=False):
        if form.counts and form.valid_until and form.valid_until >= visit.planned_start:
            return form
    return None


def premises_history(visit: Visit) -> list[dict]:
    """Earlier visits to the same premises, newest first, with their debrief notes (003 §5.22)."""
    earlier = (
        Visit.objects.filter(premises_id=visit.premises_id, planned_start__lt=visit.planned_start)
        .exclude(pk=visit.pk)
        .select_related("debrief", "team")
        .order_by("-planned_start")
    )
    rows = []
    for other in earlier:
        debrief = getattr(other, "debrief", None)
        rows.append(
            {
                "visit": other,
                "debrief": debrief,
                "premises_information": debrief.premises_information if debrief else "",
                "to_improve": debrief.to_improve if debrief else "",
            }
        )
    return rows


def checks_missing(visit: Visit) -> list[str]:
    """The mandatory checks not yet recorded, by name (per subject for the per-subject checks)."""
    done = {(c.check_type, c.subject_id) for c in visit.checks.all()}
    missing = []
    subjects = list(visit.subjects.all())
    for key, (label, per_subject) in rules.CHECKS.items():
        if per_subject:
            missing += [f"{label} ({p.full_name})" for p in subjects if (key, p.pk) not in done]
        elif key == "final_status":
            in_window = [
                c
                for c in visit.checks.all()
                if c.check_type == key
                and rules.final_status_check_in_window(
                    checked_at=c.performed_at, planned_start=visit.planned_start
                )
            ]
            if not in_window:
                hours = int(rules.FINAL_STATUS_CHECK_WINDOW.total_seconds() // 3600)
                missing.append(f"{label} within {hours} hours before the visit")
        elif (key, None) not in done:
            missing.append(label)
    return missing


def officer_in_charge_problem(user) -> str:
    if user is None:
        return "Select the officer in charge"
    profile = getattr(user, "operations_profile", None)
    if profile is None or not profile.arrest_trained:
        return f"{user.get_full_name() or user.username} is not arrest-trained"
    if rules.grade_rank(user.grade) < rules.grade_rank(rules.OFFICER_IN_CHARGE_MIN_GRADE):
        return f"The officer in charge must be {rules.Grade(rules.OFFICER_IN_CHARGE_MIN_GRADE).label} or above"
    return ""


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    done: bool
    problem: str
    url: str
    guidance: str
    warning: str = ""


def _step_url(visit: Visit, step: str) -> str:
    return reverse("operations:visit-step", args=[visit.pk, step])


def visit_readiness(visit: Visit) -> list[Step]:
    """Every step before deployment, in order: what is done and what is missing."""
    steps: list[Step] = []

    def add(
        key: str,
        label: str,
        problem: str,
        *,
        url: str | None = None,
        guidance: str | None = None,
        warning: str = "",
    ) -> None:
        steps.append(
            Step(
                key,
                label,
                not problem,
                problem,
                url or _step_url(visit, key),
                guidance or f"operations.{key}",
                warning,
            )
        )

    add(
        "plan",
        "Plan and community impact",
        "" if visit.community_impact.strip() else "Community impact not recorded",
        url=reverse("operations:visit-edit", args=[visit.pk]),
    )
    current = visit.risk_assessments.first()
    if not visit.risk_rating:
        problem = "No risk rating: complete the enforcement planning assessment"
    elif current is None or not current.risks.exists():
        problem = "No identified risks and mitigations recorded"
    else:
        problem = ""
    add("risk_assessment", "Enforcement planning assessment (risk rating)", problem)
    needs_ecia = visit.risk_rating in rules.ECIA_REQUIRED_RATINGS
    add(
        "ecia",
        "Equality and community impact assessment" + ("" if needs_ecia else " (red visits only)"),
        "A red visit needs a completed ECIA"
        if needs_ecia and not visit.impact_assessments.exists()
        else "",
    )
    add(
        "plan_assessment",
        "PLAN assessment",
        ""
        if visit.plan_assessments.filter(plan_version=visit.plan_version).exists()
        else "No PLAN assessment for the current plan",
    )
    authorisation = current_authorisation(visit)
    lapsed = visit.authorisations.filter(lapsed_at__isnull=False).first()
    add(
        "authorise",
        "Authorisation",
        ""
        if authorisation
        else (
            f"Not authorised: the last authorisation lapsed ({lapsed.lapse_reason})"
            if lapsed
            else "Not authorised for the current plan"
        ),
    )
    missing = checks_missing(visit)
    add("checks", "Mandatory checks", f"Missing: {'; '.join(missing)}" if missing else "")
    onf = counting_notification(visit)
    phone = visit.police_phone_checks.exists()
    if onf or phone:
        problem = ""
    else:
        latest = visit.notification_forms.first()
        if latest is None:
            problem = "No notification form sent to the police and no phone check with their intelligence unit"
        elif latest.returned_at is None:
            problem = (
                "The police have not returned the notification form: record a phone check with the "
                "police intelligence unit"
            )
        elif not latest.counts:
            problem = (
                "The returned notification form is not signed and complete, so it does not count"
            )
        else:
            problem = "The returned notification form is not valid on the visit date"
    add("notification", "Police notification (form or phone check)", problem)
    recon = visit.reconnaissance.first()
    warning = ""
    if (
        recon
        and recon.recon_type == "virtual"
        and recon.imagery_date
        and rules.imagery_is_old(imagery_date=recon.imagery_date, on=clock.today())
    ):
        warning = (
            f"The imagery is from {recon.imagery_date:%d %B %Y}, older than "
            f"{rules.imagery_max_age_days()} days: consider a walk-by or drive-past"
        )
    add(
        "reconnaissance",
        "Reconnaissance",
        "" if recon else "No reconnaissance recorded",
        warning=warning,
    )
    if visit.officer_in_charge_id is None:
        problem = "No officer in charge"
    else:
        problem = officer_in_charge_problem(visit.officer_in_charge)
    add("command", "Command: officer in charge and officers", problem)
    order = visit.orders.filter(plan_version=visit.plan_version).first()
    if not visit.risk_rating:
        problem = "Rate the visit before writing the order"
    elif order is None:
        problem = "No operational order for the current plan"
    elif order.order_format != (
        "iimarch" if visit.risk_rating in rules.IIMARCH_RATINGS else "digital"
    ) or any(
        not (order.sections.get(k) or "").strip() for k in rules.order_sections(visit.risk_rating)
    ):
        problem = "The order does not have every section for this rating"
    else:
        problem = ""
    add("order", "Operational order", problem)
    pending = briefing_pending(visit)
    if not visit.officers.exists():
        problem = "No officers assigned"
    elif pending:
        problem = "Not accepted by: " + ", ".join(
            o.officer.get_full_name() or o.officer.username for o in pending
        )
    else:
        problem = ""
    add(
        "briefing",
        "Briefing accepted by every officer",
        problem,
        url=reverse("operations:briefing", args=[visit.pk]),
    )
    return steps


def briefing_pending(visit: Visit) -> list[VisitOfficer]:
    """Assigned officers who have not accepted the briefing for the current plan version."""
    return [
        o
        for o in visit.officers.select_related("officer")
        if o.briefing_accepted_at is None or o.briefing_plan_version != visit.plan_version
    ]


def visit_ready(visit: Visit) -> bool:
    return all(step.done for step in visit_readiness(visit))


# ------------------------------------------------------------------------------------------------
# Authorising officers


def authorisable_ratings(user) -> list[str]:
    return [r for r in rules.RATINGS if rules.may_authorise(grade=user.grade, rating=r)]


def visits_awaiting_authorisation(user) -> QuerySet[Visit]:
    """Visits in planning with a rating the user's grade may authorise, soonest first."""
    return (
        visit_visible_queryset(user)
        .filter(status=VisitStatus.PLANNING, risk_rating__in=authorisable_ratings(user))
        .select_related("team", "premises")
        .order_by("planned_start")
    )


# ------------------------------------------------------------------------------------------------
# Partner pages: only the police force's own forms


def partner_forms(user) -> QuerySet[NotificationForm]:
    return (
        NotificationForm.objects.filter(police_force__partners=user)
        .select_related("visit", "visit__premises", "police_force")
        .order_by("returned_at", "response_due_at")
    )


def partner_forms_waiting(user) -> QuerySet[NotificationForm]:
    """Forms the partner's force still has to answer, for visits that have not yet happened (a form
    for a visit already carried out or called off is no longer asked for)."""
    return (
        partner_forms(user)
        .filter(
            returned_at__isnull=True,
            visit__planned_start__gte=clock.now(),
            visit__status__in=[VisitStatus.PLANNING, VisitStatus.AUTHORISED],
        )
        .order_by("response_due_at", "pk")
    )


def partner_forms_answered(
    user, *, limit: int = rules.PLANNING_PAGE_SIZE
) -> list[NotificationForm]:
    """The force's most recent answers, newest first."""
    return list(
        partner_forms(user)
        .filter(returned_at__isnull=False)
        .order_by("-returned_at", "-pk")[:limit]
    )


def access_partner_form(user, pk: int) -> NotificationForm:
    form = partner_forms(user).filter(pk=pk).first()
    if form is None:
        raise Http404("No such notification form")
    return form


# ------------------------------------------------------------------------------------------------
# Data quality (used by the measures pages)


def visits_without_rating(user=None) -> QuerySet[Visit]:
    """Visits planned, deployed or closed with no risk rating (003 §5.27: 449 of 3,796)."""
    qs = visit_visible_queryset(user) if user is not None else Visit.objects.all()
    return qs.filter(risk_rating="").exclude(status=VisitStatus.CANCELLED)


def authorised_visits_briefing_incomplete(user=None) -> QuerySet[Visit]:
    """Authorised or deployed visits where an assigned officer has not accepted the current briefing."""
    qs = visit_visible_queryset(user) if user is not None else Visit.objects.all()
    unaccepted = VisitOfficer.objects.filter(visit=OuterRef("pk")).filter(
        Q(briefing_accepted_at__isnull=True) | ~Q(briefing_plan_version=OuterRef("plan_version"))
    )
    return qs.filter(status__in=[VisitStatus.AUTHORISED, VisitStatus.DEPLOYED]).filter(
        Exists(unaccepted)
    )


def notifications_overdue(user=None, *, at: datetime | None = None) -> QuerySet[NotificationForm]:
    """Notification forms the police have not returned by their response deadline (72 hours)."""
    at = at or clock.now()
    forms = NotificationForm.objects.filter(returned_at__isnull=True, response_due_at__lt=at)
    if user is not None:
        forms = forms.filter(visit__in=visit_visible_queryset(user))
    return forms.select_related("visit", "police_force").order_by("response_due_at")


DATA_QUALITY = {
    "visits_without_rating": ("Visits with no risk rating", visits_without_rating),
    "briefing_incomplete": (
        "Authorised visits whose officers have not all accepted the briefing",
        authorised_visits_briefing_incomplete,
    ),
    "notifications_overdue": ("Notification forms overdue from the police", notifications_overdue),
}
