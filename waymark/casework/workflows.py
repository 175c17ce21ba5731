"""Criminal casework's state machines (docs/platform-contracts.md, "workflows.py").

One ``Workflow`` for every model with a ``status``. Each table is what the services do: a service
checks its own preconditions (with the message a caseworker or a centre officer sees) and then
moves the status with ``<WORKFLOW>.move(obj, to)``, which refuses anything the table does not
allow. The states themselves are described in each model's docstring (models.py).
"""

from __future__ import annotations

from django.db import models

from waymark.casework.models import (
    Case,
    CaseStatus,
    Commission,
    CommissionStatus,
    EtdApplication,
    NonCompliance,
    NonComplianceStatus,
    Referral,
    ReferralStatus,
    RemovalDirection,
    RemovalStatus,
)
from waymark.core.workflows import TransitionNotAllowed, Workflow, table


class EtdStatus(models.TextChoices):
    """``EtdApplication.status``: the model takes its choices from ``rules.ETD_STATUSES``; the
    ``Workflow`` refuses to load if the two ever differ."""

    NOT_STARTED = "not_started", "Not started"
    INTERVIEW_REQUESTED = "interview_requested", "Interview requested"
    SUBMITTED = "submitted", "Submitted to the embassy"
    AGREED = "agreed", "Agreed"
    ISSUED = "issued", "Issued"
    REFUSED = "refused", "Refused"


# A case opens when a person is first referred, banded or given reporting; removal directions
# carried out mark it removed, whatever it was before. No service closes a case yet.
CASE_TRANSITIONS = table(
    [
        (CaseStatus.OPEN, [CaseStatus.REMOVED]),
        (CaseStatus.CLOSED, [CaseStatus.REMOVED]),
        (CaseStatus.REMOVED, []),
    ]
)
CASE = Workflow(Case, CASE_TRANSITIONS, label="case")

# A referral awaits intake checks, then is routed by band to an owning team or not accepted.
REFERRAL_TRANSITIONS = table(
    [
        (ReferralStatus.AWAITING_CHECKS, [ReferralStatus.ROUTED, ReferralStatus.NOT_ACCEPTED]),
        (ReferralStatus.ROUTED, []),
        (ReferralStatus.NOT_ACCEPTED, []),
    ]
)
REFERRAL = Workflow(Referral, REFERRAL_TRANSITIONS, label="referral")

# A commission is answered once by the centre: done or could not be done. No service withdraws
# one yet.
COMMISSION_TRANSITIONS = table(
    [
        (CommissionStatus.REQUESTED, [CommissionStatus.DONE, CommissionStatus.NOT_DONE]),
        (CommissionStatus.DONE, []),
        (CommissionStatus.NOT_DONE, []),
        (CommissionStatus.WITHDRAWN, []),
    ]
)
COMMISSION = Workflow(Commission, COMMISSION_TRANSITIONS, label="commission")

# Non-compliance opens on a missed event; contact re-established closes it (a contact step that
# made contact, an attended event, a located absconder); a declaration makes it an absconder case,
# which contact re-established closes too.
NON_COMPLIANCE_TRANSITIONS = table(
    [
        (
            NonComplianceStatus.OPEN,
            [NonComplianceStatus.CONTACT_RESTORED, NonComplianceStatus.ABSCONDER],
        ),
        (NonComplianceStatus.ABSCONDER, [NonComplianceStatus.CONTACT_RESTORED]),
        (NonComplianceStatus.CONTACT_RESTORED, []),
    ]
)
NON_COMPLIANCE = Workflow(NonCompliance, NON_COMPLIANCE_TRANSITIONS, label="non-compliance")

# An emergency travel document application is a record the caseworker keeps up to date with what
# the embassy says: the page sets whichever status it has reached (a correction included), so
# every state may follow every other.
ETD_TRANSITIONS = table(
    [(state, [other for other in EtdStatus.values if other != state]) for state in EtdStatus.values]
)
ETD = Workflow(EtdApplication, ETD_TRANSITIONS, label="travel-document application")

# Removal directions are planned, then carried out (removed) or failed with a reason. No service
# cancels directions yet.
REMOVAL_TRANSITIONS = table(
    [
        (RemovalStatus.PLANNED, [RemovalStatus.REMOVED, RemovalStatus.FAILED]),
        (RemovalStatus.REMOVED, []),
        (RemovalStatus.FAILED, []),
        (RemovalStatus.CANCELLED, []),
    ]
)
REMOVAL = Workflow(RemovalDirection, REMOVAL_TRANSITIONS, label="removal direction")

__all__ = [
    "CASE",
    "CASE_TRANSITIONS",
    "COMMISSION",
    "COMMISSION_TRANSITIONS",
    "ETD",
    "ETD_TRANSITIONS",
    "NON_COMPLIANCE",
    "NON_COMPLIANCE_TRANSITIONS",
    "REFERRAL",
    "REFERRAL_TRANSITIONS",
    "REMOVAL",
    "REMOVAL_TRANSITIONS",
    "CaseStatus",
    "CommissionStatus",
    "EtdStatus",
    "NonComplianceStatus",
    "ReferralStatus",
    "RemovalStatus",
    "TransitionNotAllowed",
]
