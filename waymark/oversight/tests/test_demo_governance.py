"""Governance's demo data: both registers (the joint one with its contract owner and supplier),
risks with reviews due and overdue (already tasks), an acceptance, the supplier issues log at
several states, a year of complaints by every channel (some late, some still open), and lessons."""

from __future__ import annotations

from waymark import testing
from waymark.oversight import rules
from waymark.oversight.demo_governance import ISSUES, LESSONS, governance_demo_load
from waymark.oversight.models import (
    Complaint,
    Lesson,
    RiskAcceptance,
    RiskRegister,
    SupplierIssue,
)
from waymark.work.models import Task


def test_the_governance_demo(team):
    testing.user_make("line_manager", team, username="line-manager")
    testing.user_make("assurance", team, username="assurance")
    testing.user_make("service_delivery", team, username="service-delivery")
    counts = governance_demo_load(anchor=testing.NOW)
    joint = RiskRegister.objects.get(kind="joint")
    assert joint.contract_owner.username == "service-delivery" and "Capita" in joint.supplier
    assert counts["oversight_risks"] == 7
    assert RiskAcceptance.objects.count() == 1
    assert SupplierIssue.objects.count() == len(ISSUES)
    assert set(SupplierIssue.objects.values_list("status", flat=True)) == {
        "with_supplier",
        "resolved",
        "open",
        "closed",
    }
    complaints = Complaint.objects.all()
    assert complaints.count() >= 12
    responded = [c for c in complaints if c.responded_on]
    assert responded and any(not c.on_time for c in responded) and any(c.on_time for c in responded)
    assert Lesson.objects.count() == len(LESSONS)
    # Some responses not upheld went to a stage-2 review by the other handler, one or more on to
    # the Ombudsman: the escalation pages have something to show.
    from waymark.oversight.models import ComplaintEscalation

    reviews = ComplaintEscalation.objects.filter(stage="review").select_related("complaint")
    assert counts["oversight_complaint_escalations"] == ComplaintEscalation.objects.count() >= 2
    assert reviews and all(r.handler_id != r.complaint.handler_id for r in reviews)
    assert ComplaintEscalation.objects.filter(stage="ombudsman").exists()
    # Overdue reviews are already tasks on their owners' queues.
    assert counts["oversight_overdue_review_tasks"] >= 1
    assert Task.objects.filter(task_type=rules.RISK_REVIEW_TASK_TYPE, status="open").exists()
    # A second run adds nothing.
    governance_demo_load(anchor=testing.NOW)
    assert RiskRegister.objects.count() == 2 and Lesson.objects.count() == len(LESSONS)
