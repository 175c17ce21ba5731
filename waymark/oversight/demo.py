"""The tracker's demo data: every recommendation of the five seeds, and actions at the state the
reports themselves describe (002's Home Office response gives implementation dates and says
which elements are "completed"): completed elements closed and signed off by the assurance team,
the others open and, where a date has passed, slipping with their history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from waymark.core import clock

# 002: (element, due date the response gives, completed per the response). 5d was rejected.
IECA_ACTIONS: list[tuple[str, date, bool]] = [
    ("1a(i)", date(2024, 12, 31), False),
    ("1a(ii)", date(2024, 12, 31), False),
    ("1a(iii)", date(2024, 12, 31), False),
    ("2a", date(2024, 12, 31), False),
    ("2b", date(2024, 12, 31), False),
    ("3a", date(2025, 5, 31), False),
    ("3b", date(2025, 5, 31), False),
    ("4a", date(2024, 11, 30), False),
    ("4b", date(2024, 12, 11), True),
    ("4c", date(2024, 12, 31), False),
    ("4d", date(2024, 12, 11), True),
    ("5a", date(2024, 11, 30), False),
    ("5b", date(2024, 10, 31), False),
    ("5c", date(2024, 12, 11), True),
    ("5e(i)", date(2024, 12, 31), False),
    ("5e(ii)", date(2024, 12, 11), True),
    ("5e(iii)", date(2024, 12, 11), True),
    ("6a", date(2024, 12, 11), True),
    ("6b", date(2024, 12, 11), True),
    ("6c", date(2025, 1, 31), False),
    ("7a", date(2024, 11, 30), False),
    ("7b", date(2024, 12, 11), True),
    ("7c", date(2024, 12, 11), True),
]
# Open elements whose date has passed and were re-planned: (element, days after today).
IECA_REPLANNED = {"3b": 45, "6c": 30, "1a(i)": 60}
# Actions on the other seeds: (seed, number, description, owner role, days from today, evidence).
OTHER_ACTIONS: list[tuple[str, str, str, str, int, str]] = [
    (
        "000",
        "1",
        "Adopt data-quality rules for EM records under the Government Data Quality Framework",
        "service-delivery",
        90,
        "data_quality_rule_passing",
    ),
    (
        "000",
        "2",
        "Put EM review and breach decisions under sampled quality assurance",
        "assurance",
        60,
        "sampling_rule_in_force",
    ),
    (
        "000",
        "4",
        "Keep the joint issues log and risk register with the Ministry of Justice",
        "service-delivery",
        30,
        "none",
    ),
    (
        "001",
        "1",
        "Keep one tracker of every recommendation and action, with owners and sign-off",
        "assurance",
        -10,
        "none",
    ),
    (
        "001",
        "6",
        "Publish the foreign national offender guidance as web pages with an owner and review date",
        "line-manager",
        20,
        "guidance_published",
    ),
    (
        "003",
        "2",
        "Give officers searchable guidance on a phone for every visit step",
        "line-manager",
        40,
        "guidance_published",
    ),
    (
        "003",
        "4",
        "Reintroduce first-line assurance of enforcement visits",
        "assurance",
        75,
        "sampling_rule_in_force",
    ),
]
EVIDENCE_PARAMETERS = {
    # Real names, so that each action shows what its check finds today.
    "data_quality_rule_passing": "monitoring.no_device_serial",
    "sampling_rule_in_force": "monitoring.em_review_decision",
}


def _user(*usernames: str):
    from waymark.accounts.models import User

    for name in usernames:
        user = User.objects.filter(username=name, is_active=True).first()
        if user is not None:
            return user
    return None


def _guidance_slug() -> str:
    from waymark.guidance import selectors as guidance

    for _key, _label, pages in guidance.guidance_list_by_module():
        if pages:
            return pages[0].slug
    return "missing-guidance"


def oversight_demo_load(
    *,
    anchor: datetime,
    scale: float = 1.0,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    from waymark.oversight import services
    from waymark.oversight.models import Action, ActionStatus, Recommendation

    with clock.frozen(anchor):
        seeded = services.recommendations_seed(actor=None)
        if Action.objects.exists():
            return {"oversight_recommendations": Recommendation.objects.count()}
        owner = _user("nrm-manager", "line-manager")
        signer = _user("assurance")
        if owner is None or signer is None:
            return {"oversight_recommendations": Recommendation.objects.count()}
        recs = {(r.seed, r.number): r for r in Recommendation.objects.all()}
        today = clock.today()
        actions = 0
        for number, due, completed in IECA_ACTIONS:
            rec = recs[("002", number)]
            action = services.action_add(
                actor=None,
                recommendation=rec,
                description=f"Deliver what the Home Office's response commits to for {number}",
                owner=owner,
                milestone=rec.implementation_date_text.removeprefix("Date of implementation: ")[
                    :200
                ],
                due_on=due,
            )
            actions += 1
            if completed:
                services.action_update_post(
                    actor=None,
                    action=action,
                    text="The response reports this element completed.",
                    evidence="Home Office response, December 2024",
                )
                services.action_close(
                    actor=signer,
                    action=action,
                    outcome=ActionStatus.CLOSED,
                    note="Checked against the Home Office response",
                )
            elif number in IECA_REPLANNED:
                services.action_update_post(
                    actor=None,
                    action=action,
                    text="Not delivered by the date in the response; re-planned.",
                    revised_due_on=today + timedelta(days=IECA_REPLANNED[number]),
                )
        slug = _guidance_slug()
        for seed_no, number, description, owner_name, days, evidence in OTHER_ACTIONS:
            services.action_add(
                actor=None,
                recommendation=recs[(seed_no, number)],
                description=description,
                owner=_user(owner_name) or owner,
                due_on=today + timedelta(days=days),
                evidence_kind=evidence,
                evidence_parameter=slug
                if evidence == "guidance_published"
                else EVIDENCE_PARAMETERS.get(evidence, ""),
            )
            actions += 1
    return {
        "oversight_recommendations": Recommendation.objects.count(),
        "oversight_recommendations_created": seeded["created"],
        "oversight_actions": actions,
    }
