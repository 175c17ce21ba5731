"""The ownership clean-up (brief linkage.md §4; 001 §6.16 Figure 3)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from waymark.core.models import AuditEvent
from waymark.linkage import services as ownership
from waymark.linkage.models import OwnershipCategory, OwnershipFinding, SourceKind
from waymark.linkage.tests import bulk_fixtures as fx
from waymark.people.models import OwnershipState, Person
from waymark.work.models import Task, TaskStatus

Cat = OwnershipCategory
FIGURE3 = {
    "lit": 25,
    "removals_fru": 92,
    "asylum": 24,
    "border_force": 2,
    "nrc_detained": 21,
    "unidentified": 38,
    "blank": 135,
}
UNITS = {
    "lit": "Local Immigration Team North West",
    "removals_fru": "Removals Casework (FRU)",
    "asylum": "Asylum Casework",
    "border_force": "Border Force Heathrow",
    "nrc_detained": "NRC Duty Office",
    "unidentified": "GRP-107",
    "blank": "no unit",
}
FIGURE3_LABELS = [
    "Local Immigration Teams",
    "Removals Casework (in Family Returns Unit)",
    "Asylum Cases",
    "Border Force",
    "National Removals Command/Detained Casework (inc. duty offices)",
    "Unidentified groups",
    "Blank",
]


@pytest.fixture
def manager(db):
    return fx.user_with_role("records_manager")


@pytest.fixture
def croydon(db):
    return fx.team_make("Criminal casework Croydon")


@pytest.fixture
def leeds(db):
    return fx.team_make("Criminal casework Leeds")


def _people_claiming(
    job, counts: dict[str, int], units: dict[str, str] = UNITS
) -> dict[str, list[Person]]:
    out = {}
    for category, n in counts.items():
        people = fx.people_bulk(n, prefix=category.title().replace("_", ""))
        fx.legacy_records_bulk(job, [(p, units[category]) for p in people])
        out[category] = people
    return out


def test_figure3_reproduced_from_the_reports_counts(manager, croydon):
    job = fx.job_make()
    _people_claiming(job, FIGURE3)
    owned = fx.people_bulk(10, prefix="Owned")
    fx.legacy_records_bulk(job, [(p, "Criminal casework Croydon") for p in owned])

    summary = ownership.ownership_cleanup(actor=manager)

    assert summary.people == 337 + 10
    assert summary.owners_set == 10
    assert summary.tasks_created == 337
    rows = ownership.figure3_counts()
    assert rows == [*zip(FIGURE3_LABELS, FIGURE3.values(), strict=True), ("Total", 337)]
    assert Person.objects.filter(owning_team=croydon).count() == 10
    assert not ownership.linked_people_without_owner_or_task().exists()


def test_small_exact_set_with_mixed_records(manager, croydon, leeds):
    job = fx.job_make()
    tracker = fx.job_make(SourceKind.TRACKER)
    counts = {
        "lit": 2,
        "removals_fru": 3,
        "asylum": 1,
        "border_force": 1,
        "nrc_detained": 1,
        "unidentified": 2,
        "blank": 4,
    }
    groups = _people_claiming(job, counts)
    # Blank values as the legacy system holds them: a blank cell and 'not in use' count as blank too.
    fx.legacy_records_bulk(job, [(groups["blank"][0], ""), (groups["blank"][1], "Not in use")])
    # A LIT case alongside a blank one is a LIT finding (the more telling claim).
    fx.legacy_records_bulk(job, [(groups["lit"][0], "no unit")])
    # Exactly one current team, spelled in another case: that team owns the person.
    owned = fx.people_bulk(2, prefix="Owned")
    fx.legacy_records_bulk(
        job,
        [
            (owned[0], "criminal casework croydon"),
            (owned[0], "no unit"),
            (owned[1], "Criminal Casework Leeds"),
        ],
    )
    # A tracker's case owner naming a team counts; a person's name does not.
    tracked = fx.people_bulk(1, prefix="Tracked")[0]
    fx.legacy_records_bulk(job, [(tracked, "")])
    fx.legacy_records_bulk(tracker, [(tracked, "Criminal casework Leeds")], kind=SourceKind.TRACKER)
    named = fx.people_bulk(1, prefix="Named")[0]
    fx.legacy_records_bulk(job, [(named, "GRP-9")])
    fx.legacy_records_bulk(tracker, [(named, "Jo Bloggs")], kind=SourceKind.TRACKER)
    # Two current teams: conflicting, to be decided, and not a Figure 3 row.
    torn = fx.people_bulk(1, prefix="Torn")[0]
    fx.legacy_records_bulk(
        job, [(torn, "Criminal casework Croydon"), (torn, "Criminal casework Leeds")]
    )
    # A current unit that is not a team in this deployment is an unidentified group.
    elsewhere = fx.people_bulk(1, prefix="Elsewhere")[0]
    fx.legacy_records_bulk(job, [(elsewhere, "ICE Scotland")])

    ownership.ownership_cleanup(actor=manager)

    expected = {**counts, "unidentified": counts["unidentified"] + 2}  # 'named' and 'elsewhere'
    assert ownership.figure3_counts() == [
        *zip(FIGURE3_LABELS, expected.values(), strict=True),
        ("Total", sum(expected.values())),
    ]
    assert ownership.conflicting_open_count() == 1
    for person, team in [(owned[0], croydon), (owned[1], leeds), (tracked, leeds)]:
        person.refresh_from_db()
        assert (person.owning_team, person.ownership_state) == (team, OwnershipState.OWNED)
        assert person.ownership_finding.category == Cat.CURRENT_UNIT
    lit = OwnershipFinding.objects.get(person=groups["lit"][0])
    assert lit.category == Cat.LOCAL_IMMIGRATION_TEAM
    assert lit.claimed_units == ["Local Immigration Team North West", "no unit"]
    torn_finding = OwnershipFinding.objects.get(person=torn)
    assert (
        torn_finding.category == Cat.CONFLICTING
        and torn_finding.task.queue.slug == "ownership-to-decide"
    )
    torn.refresh_from_db()
    assert torn.ownership_state == OwnershipState.UNCLEAR and torn.owning_team is None
    assert not ownership.linked_people_without_owner_or_task().exists()


def test_clean_up_is_idempotent(manager, croydon):
    job = fx.job_make()
    _people_claiming(job, {"lit": 2, "blank": 3})
    owned = fx.people_bulk(1, prefix="Owned")[0]
    fx.legacy_records_bulk(job, [(owned, "Criminal casework Croydon")])
    first = ownership.ownership_cleanup(actor=manager)
    tasks, events = Task.objects.count(), AuditEvent.objects.count()
    findings = list(
        OwnershipFinding.objects.values_list("pk", "category", "task_id", "owning_team_id")
    )

    second = ownership.ownership_cleanup(actor=manager)

    assert (first.tasks_created, first.owners_set) == (5, 1)
    assert (second.tasks_created, second.owners_set, second.findings_changed) == (0, 0, 0)
    assert Task.objects.count() == tasks
    assert AuditEvent.objects.count() == events
    assert (
        list(OwnershipFinding.objects.values_list("pk", "category", "task_id", "owning_team_id"))
        == findings
    )
    assert Task.objects.filter(dedupe_key__startswith="linkage-ownership-").count() == 5


def test_one_audit_event_per_person_changed(manager, croydon):
    job = fx.job_make()
    groups = _people_claiming(job, {"asylum": 1})
    owned = fx.people_bulk(1, prefix="Owned")[0]
    fx.legacy_records_bulk(job, [(owned, "Criminal casework Croydon")])
    ownership.ownership_cleanup(actor=manager)
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="linkage.ownership_").values_list(
            "person_id", "verb"
        )
    )
    assert sorted(verbs) == sorted(
        [
            (groups["asylum"][0].pk, "linkage.ownership_to_decide"),
            (owned.pk, "linkage.ownership_owner_set"),
        ]
    )
    assert (
        AuditEvent.objects.filter(verb="person.ownership_changed", person_id=owned.pk).count() == 1
    )


def test_decided_task_settles_the_person_and_a_new_claim_cancels_an_open_task(manager, croydon):
    from waymark.people.services import ownership_change
    from waymark.work.services import task_complete

    job = fx.job_make()
    groups = _people_claiming(job, {"lit": 1, "blank": 1})
    ownership.ownership_cleanup(actor=manager)
    decided, later = groups["lit"][0], groups["blank"][0]
    finding = OwnershipFinding.objects.get(person=decided)
    ownership_change(
        actor=manager, person=decided, team=croydon, owner=None, reason="Taskforce decision"
    )
    task_complete(actor=manager, task=finding.task, outcome="owner_decided")
    # A new extract names a current team for the other person.
    fx.legacy_records_bulk(job, [(later, "Criminal casework Croydon")])

    summary = ownership.ownership_cleanup(actor=manager)

    assert summary.tasks_created == 0 and summary.tasks_cancelled == 1 and summary.owners_set == 1
    assert ownership.figure3_counts()[-1] == ("Total", 0)
    later_finding = OwnershipFinding.objects.get(person=later)
    assert (
        later_finding.category == Cat.CURRENT_UNIT
        and later_finding.task.status == TaskStatus.CANCELLED
    )
    assert OwnershipFinding.objects.get(person=decided).owning_team == croydon


def test_a_task_closed_without_an_owner_is_followed_by_a_new_one(manager):
    from waymark.work.services import task_cancel

    job = fx.job_make()
    person = _people_claiming(job, {"border_force": 1})["border_force"][0]
    ownership.ownership_cleanup(actor=manager)
    first = OwnershipFinding.objects.get(person=person).task
    task_cancel(actor=manager, task=first, reason="Closed by mistake")

    ownership.ownership_cleanup(actor=manager)

    second = OwnershipFinding.objects.get(person=person).task
    assert second.pk != first.pk and second.is_active
    assert second.dedupe_key == f"linkage-ownership-{person.pk}-2"


def test_only_named_people_and_only_with_permission(manager, db):
    job = fx.job_make()
    groups = _people_claiming(job, {"lit": 2})
    summary = ownership.ownership_cleanup(actor=manager, person_ids=[groups["lit"][0].pk])
    assert summary.people == 1 and OwnershipFinding.objects.count() == 1
    with pytest.raises(PermissionDenied):
        ownership.ownership_cleanup(actor=fx.user_with_role("assurance"))


def test_people_without_records_are_not_touched(manager):
    fx.people_bulk(3, prefix="Unlinked")
    assert ownership.ownership_cleanup(actor=manager).people == 0
    assert ownership.figure3_counts()[-1] == ("Total", 0)
