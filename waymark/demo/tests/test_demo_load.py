"""The demo-data generator: deterministic, proportionate, and covering every role and task state."""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime

import pytest
from django.core.management import call_command
from django.db import transaction

from waymark.accounts.models import User
from waymark.accounts.roles import ROLES
from waymark.core import calendars, clock
from waymark.core.models import AuditEvent
from waymark.demo import names
from waymark.demo.generator import DEMO_PASSWORD, TEAMS, demo_load
from waymark.people.models import (
    ExternalReference,
    Person,
    PersonName,
    PersonNationality,
    TimelineEvent,
)
from waymark.people.search import name_keys
from waymark.testing.data import module_data
from waymark.work.models import Task, TaskStatus

ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=clock.LONDON)
pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # builds the demo


class _Rollback(Exception):
    pass


def _snapshot(**kwargs):
    demo_load(anchor=ANCHOR, correspondence=False, **kwargs)
    people = list(
        Person.objects.order_by("pk").values_list(
            "reference", "given_names", "family_name", "date_of_birth", "owning_team__slug"
        )
    )
    refs = list(
        ExternalReference.objects.order_by("person_id", "reference_type", "value").values_list(
            "person__reference", "reference_type", "value"
        )
    )
    tasks = list(
        Task.objects.order_by("pk").values_list("task_type", "status", "due_at", "person_id")
    )
    return people, refs, tasks


def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    runs = []
    for seed in (11, 11, 12):
        try:
            with transaction.atomic():
                runs.append(_snapshot(scale=0.01, seed=seed))
                raise _Rollback
        except _Rollback:
            pass
    assert runs[0] == runs[1]
    assert runs[0][0] != runs[2][0]
    assert runs[0][0][0][0] == "WM-0000001"


@module_data
def loaded():
    """The demo at x0.05, built once for the tests that read it (waymark/testing/data.py)."""
    return demo_load(scale=0.05, seed=2026, anchor=ANCHOR, correspondence=False)


def test_volumes_and_proportions_roughly_follow_the_seeds(loaded):
    # People already removed (the casework demo's year of removals) are not in the community; the
    # people the linkage demo made from its generated legacy files are counted in its own test.
    platform = Person.objects.filter(source_records__isnull=True)
    community = platform.exclude(casework_case__status="removed")
    people = community.count()
    assert people == round(11_236 * 0.05)
    nationalities = Counter(
        PersonNationality.objects.filter(person__source_records__isnull=True)
        .exclude(person__casework_case__status="removed")
        .values_list("country", flat=True)
    )
    assert 0.22 < nationalities["ALB"] / people < 0.34
    assert len(nationalities) > 40
    females = community.filter(sex="female").count()
    assert females / people < 0.06
    unassessed = community.filter(vulnerability_assessment="not_yet_assessed").count()
    assert 0.33 < unassessed / people < 0.47
    croydon = platform.filter(owning_team__slug="criminal-casework-croydon").count()
    leeds = platform.filter(owning_team__slug="criminal-casework-leeds").count()
    assert croydon > 5 * leeds
    assert 0 < platform.filter(ownership_state="unclear").count() < 0.07 * people
    assert (
        6 < TimelineEvent.objects.filter(person__source_records__isnull=True).count() / people < 11
    )
    assert platform.filter(names__name_type="alias").distinct().count() > 0.08 * people


def test_every_role_has_a_demo_user_with_its_grade_and_team(loaded):
    for role in ROLES.values():
        user = User.objects.get(username=role.key.replace("_", "-"))
        assert user.grade == role.demo_grade
        if role.key == "supplier":
            assert user.is_machine and not user.has_usable_password()
        else:
            assert user.check_password(DEMO_PASSWORD)
            if role.demo_team:
                assert user.teams.filter(slug=role.demo_team).exists()
            else:  # the police partner is external: no team, a police force instead
                assert role.key == "police_partner" and user.teams.count() == 0
    assert {r["username"] for r in loaded.users} >= {"case-owner", "line-manager", "supplier"}


def test_teams_include_the_fifteen_ice_teams_with_their_nations(loaded):
    ice = [t for t in TEAMS if t.slug.startswith("ice-")]
    assert len(ice) == 15
    assert {t.slug: t.nation for t in ice}["ice-scotland"] == "scotland"
    assert {t.slug: t.nation for t in ice}["ice-northern-ireland"] == "northern-ireland"


def test_tasks_exist_in_every_state_with_deadlines_some_overdue(loaded):
    statuses = set(Task.objects.values_list("status", flat=True))
    assert statuses == set(TaskStatus.values)
    assert Task.objects.filter(status="open", assignee__isnull=True).exists()
    assert Task.objects.filter(status="open", assignee__isnull=False).exists()
    with_deadline = Task.objects.exclude(task_type="person.ownership_to_decide")
    assert not with_deadline.filter(due_at__isnull=True).exists()
    assert not with_deadline.filter(deadline_rule="").exists()
    assert Task.objects.filter(status="open", due_at__lt=ANCHOR).exists()
    assert Task.objects.filter(status="open", due_at__gt=ANCHOR).exists()
    unclear = Task.objects.filter(task_type="person.ownership_to_decide")
    assert unclear.exists() and all(t.queue.slug == "ownership-to-decide" for t in unclear)


def test_deadlines_are_stored_as_the_work_rules_store_them(loaded):
    from waymark.work.rules import deadline_compute

    task = (
        Task.objects.filter(deadline_rule="general_enquiry").select_related("queue__team").first()
    )
    start = datetime.fromisoformat(task.deadline_inputs["start"])
    due, inputs = deadline_compute("general_enquiry", start, task.queue.team.nation)
    assert task.due_at == due
    assert task.deadline_inputs == inputs


def test_working_day_deadlines_follow_the_team_calendar(loaded):
    task = (
        Task.objects.filter(deadline_rule="further_submissions")
        .select_related("queue__team")
        .first()
    )
    assert task.deadline_inputs["kind"] == "working_days"
    assert calendars.is_working_day(
        task.due_at.astimezone(clock.LONDON).date(), task.queue.team.nation
    )


def test_name_rows_carry_the_search_keys_the_search_computes(loaded):
    for row in PersonName.objects.order_by("pk")[:50]:
        keys = name_keys(given_names=row.given_names, family_name=row.family_name)
        assert {k: getattr(row, k) for k in keys} == keys


def test_references_are_unique_and_follow_the_waymark_format(loaded):
    person = Person.objects.order_by("pk").first()
    assert person.reference == f"WM-{person.pk:07d}"
    values = list(ExternalReference.objects.values_list("reference_type", "value_normalised"))
    assert len(values) == len(set(values))


def test_one_audit_entry_records_the_load(loaded):
    entry = AuditEvent.objects.get(verb="demo.loaded")
    assert entry.action == "collection"
    counts = entry.payload["new"]["counts"]
    assert (
        counts["person"] + counts["casework_removed_people"] + counts["linkage_people_created"]
        == Person.objects.count()
    )


def test_nationality_shares_add_up_and_codes_are_known():
    from waymark.people.countries import is_valid_country

    weights = names.nationality_weights()
    assert abs(sum(w for _, w in weights) - 1) < 1e-9
    assert 95 <= len(weights) <= 105
    assert all(is_valid_country(code) for code, _ in weights)
    assert all(names.POOL_OF[code] in names.NAMES for code, _ in weights)


def test_command_if_empty_does_nothing_when_people_exist(loaded):
    before = Person.objects.count()
    out = io.StringIO()
    call_command("demo_load", "--if-empty", stdout=out)
    assert Person.objects.count() == before
    assert "already" in out.getvalue()
    # make run prints the demo users every time it starts, loaded or not
    assert "case-owner" in out.getvalue() and DEMO_PASSWORD in out.getvalue()


def test_command_prints_the_demo_users_table():
    out = io.StringIO()
    call_command(
        "demo_load",
        "--scale",
        "0.002",
        "--anchor",
        "2026-11-20T09:00",
        "--no-correspondence",
        stdout=out,
    )
    text = out.getvalue()
    assert "case-owner" in text and DEMO_PASSWORD in text
    platform = Person.objects.filter(source_records__isnull=True)
    assert platform.exclude(casework_case__status="removed").count() == round(11_236 * 0.002)


def test_correspondence_examples_are_registered_through_the_service_with_a_duplicate():
    from waymark.correspondence.models import CorrespondenceItem

    # The examples are about the platform's own people: no module's demo is needed.
    result = demo_load(scale=0.01, seed=2026, anchor=ANCHOR, correspondence=True, modules=())
    items = CorrespondenceItem.objects.all()
    assert (
        result.counts["correspondence"] == items.count() == 3
    )  # the repeated message is not a new item
    assert items.filter(match_status="match_needed").count() == 1
    assert items.filter(match_status="matched").count() == 2
    assert Task.objects.filter(task_type="correspondence.match_needed").count() == 1


def test_modules_limits_the_module_demos_to_those_named():
    from django.apps import apps

    result = demo_load(scale=0.01, anchor=ANCHOR, correspondence=False, modules={"monitoring"})
    assert apps.get_model("monitoring.Condition").objects.exists()
    assert result.counts.get("em_breaches", 0) > 0
    for label in ("casework.Case", "operations.Visit", "linkage.SourceRecord"):
        assert not apps.get_model(label).objects.exists(), f"{label} was written"
