"""Reads for governance beyond the tracker (issue 20 item 6): the risk registers with their
levels and overdue reviews, one register, one risk with its reviews and acceptances, the supplier
issues log, complaints (filtered, with their target and whether they are overdue), the themes
analysis (by theme and month, with the on-time rate), and lessons learned with their search.

Lesson search follows the guidance hub's (``waymark.guidance.selectors``): on PostgreSQL
full-text search over a weighted vector (title A, lesson B, summary, actions and source C; the GIN
index of migration 0005 covers the same expression), every word required and the last a prefix;
on SQLite a fallback in which every word, lightly stemmed, must start a word of one of the fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from waymark.core import clock
from waymark.oversight import permissions as perms
from waymark.oversight import rules
from waymark.oversight.models import (
    Complaint,
    ComplaintEscalation,
    ComplaintStage,
    ComplaintStatus,
    ComplaintTheme,
    EscalationStatus,
    RegisterKind,
    Risk,
    RiskAcceptance,
    RiskRegister,
    RiskReview,
    RiskStatus,
    SupplierIssue,
    SupplierIssueStatus,
)

LEVEL_LABELS = {"high": "High", "medium": "Medium", "low": "Low"}
LEVEL_TAGS = {"high": "red", "medium": "yellow", "low": "green"}

# ------------------------------------------------------------------------------------------------
# Risks


@dataclass
class RiskRow:
    risk: Risk
    today: date
    acceptance: RiskAcceptance | None = None

    @property
    def level(self) -> str:
        return self.risk.level

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def level_tag(self) -> str:
        return LEVEL_TAGS[self.level]

    @property
    def target_level(self) -> str:
        return rules.risk_level(self.risk.target_rating)

    @property
    def review_overdue(self) -> bool:
        return self.risk.status == RiskStatus.OPEN and self.risk.next_review_on < self.today

    @property
    def review_due_soon(self) -> bool:
        soon = self.today + timedelta(days=rules.RISK_REVIEW_DUE_SOON_DAYS)
        return (
            self.risk.status == RiskStatus.OPEN and self.today <= self.risk.next_review_on <= soon
        )

    @property
    def cadence_days(self) -> int:
        return rules.RISK_REVIEW_DAYS[self.level]


def _acceptances(today: date) -> Prefetch:
    return Prefetch(
        "acceptances",
        queryset=RiskAcceptance.objects.select_related("accepted_by").order_by("-expires_on"),
    )


def _row(risk: Risk, today: date) -> RiskRow:
    active = [a for a in risk.acceptances.all() if a.expires_on >= today]
    return RiskRow(risk=risk, today=today, acceptance=active[0] if active else None)


@dataclass
class RegisterRow:
    register: RiskRegister
    open_risks: int = 0
    by_level: dict[str, int] = field(default_factory=dict)
    overdue_reviews: int = 0
    open_issues: int = 0


def register_rows() -> list[RegisterRow]:
    """Every register with its open risks by level, overdue reviews and open supplier issues."""
    today = clock.today()
    rows = {
        r.pk: RegisterRow(register=r)
        for r in RiskRegister.objects.select_related("owner", "contract_owner")
    }
    for risk in Risk.objects.filter(status=RiskStatus.OPEN).only(
        "register_id", "likelihood", "impact", "next_review_on"
    ):
        row = rows[risk.register_id]
        row.open_risks += 1
        row.by_level[risk.level] = row.by_level.get(risk.level, 0) + 1
        row.overdue_reviews += risk.next_review_on < today
    issues = (
        SupplierIssue.objects.exclude(status=SupplierIssueStatus.CLOSED)
        .values("register_id")
        .annotate(n=Count("pk"))
    )
    for item in issues:
        rows[item["register_id"]].open_issues = item["n"]
    return list(rows.values())


def governance_counts() -> dict[str, int]:
    today = clock.today()
    open_risks = Risk.objects.filter(status=RiskStatus.OPEN)
    return {
        "registers": RiskRegister.objects.count(),
        "open_risks": open_risks.count(),
        "overdue_reviews": open_risks.filter(next_review_on__lt=today).count(),
        "open_issues": SupplierIssue.objects.exclude(status=SupplierIssueStatus.CLOSED).count(),
    }


def access_register(user, pk: int) -> RiskRegister:
    register = RiskRegister.objects.filter(pk=pk).select_related("owner", "contract_owner").first()
    if register is None:
        raise Http404("No such register")
    return register


def register_risks(
    register: RiskRegister, *, level: str = "", overdue_only: bool = False, closed: bool = False
) -> list[RiskRow]:
    """The register's risks, highest rating first; open ones unless ``closed``."""
    today = clock.today()
    risks = (
        register.risks.filter(status=RiskStatus.CLOSED if closed else RiskStatus.OPEN)
        .select_related("owner")
        .prefetch_related(_acceptances(today))
    )
    rows = [_row(r, today) for r in risks]
    if level in LEVEL_LABELS:
        rows = [r for r in rows if r.level == level]
    if overdue_only:
        rows = [r for r in rows if r.review_overdue]
    return sorted(rows, key=lambda r: (-r.risk.rating, r.risk.number))


def register_issues(register: RiskRegister, *, include_closed: bool = False) -> list[SupplierIssue]:
    issues = register.issues.select_related("owner", "risk")
    if not include_closed:
        issues = issues.exclude(status=SupplierIssueStatus.CLOSED)
    return list(issues.order_by("-raised_on", "-number"))


def access_risk(user, pk: int) -> RiskRow:
    today = clock.today()
    risk = (
        Risk.objects.filter(pk=pk)
        .select_related("register", "owner", "created_by")
        .prefetch_related(_acceptances(today))
        .first()
    )
    if risk is None:
        raise Http404("No such risk")
    return _row(risk, today)


def risk_reviews(risk: Risk) -> list[RiskReview]:
    return list(risk.reviews.select_related("reviewed_by").order_by("-reviewed_on", "-pk"))


def access_issue(user, pk: int) -> SupplierIssue:
    issue = (
        SupplierIssue.objects.filter(pk=pk)
        .select_related("register", "owner", "risk", "raised_by")
        .first()
    )
    if issue is None:
        raise Http404("No such supplier issue")
    return issue


def issue_history(issue: SupplierIssue) -> list[dict[str, Any]]:
    """The issue's status changes, newest first, with who made each (by name)."""
    from waymark.accounts.models import User

    ids = {h.get("by") for h in issue.history if h.get("by")}
    names = {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=ids)}
    labels = dict(SupplierIssueStatus.choices)
    return [
        {
            "on": date.fromisoformat(h["on"]),
            "by": names.get(h.get("by"), "The system"),
            "from": labels.get(h.get("from", ""), ""),
            "to": labels.get(h.get("to", ""), h.get("to", "")),
            "note": h.get("note", ""),
        }
        for h in reversed(issue.history)
    ]


def joint_registers() -> QuerySet[RiskRegister]:
    return RiskRegister.objects.filter(kind=RegisterKind.JOINT)


def risk_choices(register: RiskRegister) -> list[tuple[int, str]]:
    return [
        (r.pk, f"Risk {r.number}: {r.title}")
        for r in register.risks.filter(status=RiskStatus.OPEN).order_by("number")
    ]


# ------------------------------------------------------------------------------------------------
# Complaints

COMPLAINT_FILTERS = {
    "open": "Not yet responded to",
    "overdue": "Overdue",
    "received": "To allocate",
    "responded": "Responded",
    "review": "Stage 2 review under way",
    "ombudsman": "With the Ombudsman",
}
REVIEW_OPEN = (EscalationStatus.REQUESTED, EscalationStatus.ALLOCATED)


def _review_overdue(today: date) -> Q:
    """Complaints whose stage-2 review is under way and past its target."""
    return Q(
        escalations__stage=ComplaintStage.REVIEW,
        escalations__status__in=REVIEW_OPEN,
        escalations__due_on__lt=today,
    )


@dataclass
class ComplaintRow:
    complaint: Complaint
    today: date
    person_reference: str = ""

    @property
    def themes(self) -> list[str]:
        labels = dict(ComplaintTheme.choices)
        return [labels.get(t.theme, t.theme) for t in self.complaint.themes.all()]

    def _escalation(self, stage: str):
        return next((e for e in self.complaint.escalations.all() if e.stage == stage), None)

    @property
    def review(self):
        """The stage-2 review, if one was asked for."""
        return self._escalation(ComplaintStage.REVIEW)

    @property
    def ombudsman(self):
        """The Ombudsman's consideration, if the complaint went to them."""
        return self._escalation(ComplaintStage.OMBUDSMAN)

    @property
    def stage(self) -> str:
        """Where the complaint is: "Stage 1", "Stage 2" or "Ombudsman"."""
        if self.ombudsman is not None:
            return "Ombudsman"
        return "Stage 2" if self.review is not None else "Stage 1"

    def _open_due(self) -> date | None:
        """The target of the stage still waiting for a response, if any."""
        c = self.complaint
        if c.status != ComplaintStatus.RESPONDED:
            return c.due_on
        review = self.review
        if review is not None and review.status in REVIEW_OPEN:
            return review.due_on
        return None

    @property
    def overdue(self) -> bool:
        due = self._open_due()
        return due is not None and due < self.today

    @property
    def due_soon(self) -> bool:
        due = self._open_due()
        soon = self.today + timedelta(days=rules.COMPLAINT_DUE_SOON_DAYS)
        return due is not None and self.today <= due <= soon

    @property
    def late(self) -> bool:
        return self.complaint.on_time is False


def complaints_queryset(
    *, status: str = "", theme: str = "", handler_id: int | None = None
) -> QuerySet[Complaint]:
    """Complaints matching the filters, oldest target first among the open ones."""
    today = clock.today()
    complaints = Complaint.objects.select_related("handler").prefetch_related(
        "themes", "escalations"
    )
    if status == "open":
        complaints = complaints.exclude(status=ComplaintStatus.RESPONDED)
    elif status == "overdue":
        complaints = complaints.filter(
            (~Q(status=ComplaintStatus.RESPONDED) & Q(due_on__lt=today)) | _review_overdue(today)
        ).distinct()
    elif status == "review":
        complaints = complaints.filter(
            escalations__stage=ComplaintStage.REVIEW, escalations__status__in=REVIEW_OPEN
        )
    elif status == "ombudsman":
        complaints = complaints.filter(
            escalations__stage=ComplaintStage.OMBUDSMAN,
            escalations__status=EscalationStatus.WITH_OMBUDSMAN,
        )
    elif status in (ComplaintStatus.RECEIVED, ComplaintStatus.RESPONDED):
        complaints = complaints.filter(status=status)
    if theme in ComplaintTheme.values:
        complaints = complaints.filter(themes__theme=theme)
    if handler_id:
        complaints = complaints.filter(handler_id=handler_id)
    responded_last = Case(
        When(status=ComplaintStatus.RESPONDED, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return complaints.annotate(responded_last=responded_last).order_by(
        "responded_last", "due_on", "pk"
    )


def complaint_rows(complaints, user=None) -> list[ComplaintRow]:
    """Rows for a page of complaints, with the themes and each person's Waymark reference (a
    restricted record's only for ``user`` holding the restricted-person permission)."""
    items = list(complaints)
    refs = person_references([c.person_id for c in items if c.person_id], user=user)
    today = clock.today()
    return [ComplaintRow(c, today, refs.get(c.person_id or 0, "")) for c in items]


RESTRICTED_REFERENCE = "Restricted record"


def person_references(ids, user=None) -> dict[int, str]:
    """Waymark references of the people complaints concern (read from people, never written).
    Given ``user``, a restricted record's reference is withheld (``RESTRICTED_REFERENCE``) unless
    they hold the restricted-person permission."""
    from waymark.people.models import Person

    ids = {int(i) for i in ids if i}
    if not ids:
        return {}
    rows = Person.objects.filter(pk__in=ids).values_list("pk", "reference", "restricted_access")
    sees_restricted = user is None or user.has_perm("people.view_restricted_person")
    return {
        pk: reference if sees_restricted or not restricted else RESTRICTED_REFERENCE
        for pk, reference, restricted in rows
    }


def complaint_counts() -> dict[str, int]:
    today = clock.today()
    open_ = Complaint.objects.exclude(status=ComplaintStatus.RESPONDED)
    return {
        "open": open_.count(),
        "to_allocate": open_.filter(status=ComplaintStatus.RECEIVED).count(),
        "overdue": Complaint.objects.filter(
            (~Q(status=ComplaintStatus.RESPONDED) & Q(due_on__lt=today)) | _review_overdue(today)
        )
        .distinct()
        .count(),
        "responded": Complaint.objects.filter(status=ComplaintStatus.RESPONDED).count(),
        "review": ComplaintEscalation.objects.filter(
            stage=ComplaintStage.REVIEW, status__in=REVIEW_OPEN
        ).count(),
        "ombudsman": ComplaintEscalation.objects.filter(
            stage=ComplaintStage.OMBUDSMAN, status=EscalationStatus.WITH_OMBUDSMAN
        ).count(),
    }


def access_complaint(user, pk: int) -> ComplaintRow:
    """One complaint, for someone who sees complaints or handles this one; 404 for anyone else."""
    complaint = (
        Complaint.objects.filter(pk=pk)
        .select_related("handler", "allocated_by", "responded_by", "recorded_by")
        .prefetch_related(
            "themes",
            Prefetch(
                "escalations",
                queryset=ComplaintEscalation.objects.select_related(
                    "handler", "responded_by", "recorded_by"
                ),
            ),
        )
        .first()
    )
    if complaint is None or not perms.may_view_complaint(user, complaint):
        raise Http404("No such complaint")
    refs = person_references([complaint.person_id] if complaint.person_id else [], user=user)
    return ComplaintRow(complaint, clock.today(), refs.get(complaint.person_id or 0, ""))


def complaint_handler_choices() -> list[tuple[int, str]]:
    """Staff who may handle a complaint: active, in a team, and able to see complaints."""
    from waymark.accounts.models import User

    holds = Q(
        groups__permissions__codename="view_complaints",
        groups__permissions__content_type__app_label="oversight",
    ) | Q(
        user_permissions__codename="view_complaints",
        user_permissions__content_type__app_label="oversight",
    )
    users = (
        User.objects.filter(is_active=True, is_machine=False, teams__isnull=False)
        .filter(holds | Q(is_superuser=True))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    return [(u.pk, u.get_full_name() or u.username) for u in users]


def complaint_handler_get(pk: int | None):
    if pk is None:
        return None
    allowed = {k for k, _ in complaint_handler_choices()}
    if pk not in allowed:
        return None
    from waymark.accounts.models import User

    return User.objects.filter(pk=pk).first()


def complaint_handlers() -> list[tuple[int, str]]:
    """People who handle at least one complaint, for the list's filter."""
    from waymark.accounts.models import User

    ids = Complaint.objects.exclude(handler__isnull=True).values_list("handler_id", flat=True)
    users = User.objects.filter(pk__in=set(ids)).order_by("last_name", "first_name")
    return [(u.pk, u.get_full_name() or u.username) for u in users]


# The themes analysis lives in its own module (the size limit); re-exported here.
# Lessons live in their own module (the size limit); re-exported here.
from waymark.oversight.selectors.governance_lessons import (  # noqa: E402, F401
    access_lesson,
    lesson_counts,
    lesson_highlight,
    lesson_search,
    lesson_search_vector,
    lessons_queryset,
)
from waymark.oversight.selectors.governance_themes import (  # noqa: E402, F401
    ThemeAnalysis,
    complaint_themes_analysis,
)
