"""The linkage review pages: the dashboard, review queue, pair comparison and decision, source
record, runs and the incremental-match page; permissions, empty states, object access and audit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from waymark.core import clock
from waymark.core.models import AuditEvent
from waymark.linkage import services
from waymark.linkage.models import CandidatePair, LinkageRun, PairStatus, RunStatus
from waymark.linkage.tests import review_fixtures as fx

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with clock.frozen(fx.NOW):
        yield fx.NOW


@pytest.fixture
def manager(db):
    return fx.user_make("records_manager", first_name="Rita", last_name="Reviewer")


@pytest.fixture
def second_manager(db):
    return fx.user_make("records_manager", first_name="Sam", last_name="Senior")


@pytest.fixture
def assurance(db):
    return fx.user_make("assurance")


@pytest.fixture
def outsider(db):
    """A role without any linkage permission."""
    return fx.user_make("case_owner")


@pytest.fixture
def world(frozen):
    return fx.review_world()


def _pages(world) -> list[str]:
    return [
        reverse("linkage:home"),
        reverse("linkage:review-queue"),
        reverse("linkage:runs"),
        reverse("linkage:run-detail", args=[world["run"].pk]),
        reverse("linkage:pair", args=[world["pair"].pk]),
        reverse("linkage:record", args=[world["left"].pk]),
        reverse("linkage:match"),
        reverse("linkage:person", args=[world["person_a"].pk]),
    ]


def _decide(client, pair, decision: str, reason: str = "Same person: the dates are transposed"):
    return client.post(
        reverse("linkage:pair", args=[pair.pk]), {"decision": decision, "reason": reason}
    )


# ------------------------------------------------------------------------------------------------
# Permissions


def test_every_page_answers_a_records_manager(client, manager, world):
    client.force_login(manager)
    for url in _pages(world):
        response = client.get(url)
        assert response.status_code == 200, url


def test_every_page_refuses_a_role_without_linkage_permissions(client, outsider, world):
    client.force_login(outsider)
    for url in _pages(world):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("linkage:run-start")).status_code == 403
    assert _decide(client, world["pair"], "match").status_code == 403


def test_assurance_sees_the_pages_but_decides_nothing_and_starts_no_run(client, assurance, world):
    client.force_login(assurance)
    for url in _pages(world):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("linkage:pair", args=[world["pair"].pk])).content.decode()
    assert "Save decision" not in page
    assert "You can see this pair but not decide it" in page
    assert _decide(client, world["pair"], "match").status_code == 403
    assert client.post(reverse("linkage:run-start")).status_code == 403
    world["pair"].refresh_from_db()
    assert world["pair"].status == PairStatus.PENDING


def test_run_start_is_post_only(client, manager, world):
    client.force_login(manager)
    assert client.get(reverse("linkage:run-start")).status_code == 405


def test_a_pair_whose_people_the_user_may_not_see_is_not_found(client, frozen):
    from waymark.accounts.models import Team

    team = Team.objects.create(slug="scoped-team", name="Scoped team")
    other = Team.objects.create(slug="other-team", name="Other team")
    world = fx.review_world(owning_team=other)
    # A case owner in another team given the linkage pages sees only their own team's people.
    from django.contrib.auth.models import Permission

    user = fx.user_make("case_owner", team)
    user.user_permissions.add(
        Permission.objects.get(codename="link_records", content_type__app_label="linkage")
    )
    user = type(user).objects.get(pk=user.pk)
    client.force_login(user)
    assert client.get(reverse("linkage:pair", args=[world["pair"].pk])).status_code == 404
    assert client.get(reverse("linkage:record", args=[world["left"].pk])).status_code == 404
    queue = client.get(reverse("linkage:review-queue")).content.decode()
    assert f"Compare pair {world['pair'].pk}" not in queue


# ------------------------------------------------------------------------------------------------
# Empty states


def test_empty_pages_say_what_to_do_next(client, manager, frozen):
    client.force_login(manager)
    home = client.get(reverse("linkage:home")).content.decode()
    assert "No records have been imported yet" in home
    assert "Records have not been linked yet" in home
    queue = client.get(reverse("linkage:review-queue")).content.decode()
    assert "There are no pairs to review" in queue
    runs = client.get(reverse("linkage:runs")).content.decode()
    assert "There have been no linkage runs yet" in runs
    match = client.get(reverse("linkage:match")).content.decode()
    assert "No linkage run has completed yet" in match
    assert client.get(reverse("linkage:pair", args=[999])).status_code == 404
    assert client.get(reverse("linkage:run-detail", args=[999])).status_code == 404
    assert client.get(reverse("linkage:record", args=[999])).status_code == 404


def test_a_run_not_yet_trained_says_so(client, manager, frozen):
    run = fx.run_make(status=RunStatus.QUEUED, model={}, accuracy={}, timings={}, phase="")
    client.force_login(manager)
    page = client.get(reverse("linkage:run-detail", args=[run.pk])).content.decode()
    # It updates itself (no manual refresh), and says so (issue 16, problem 13).
    assert '<meta http-equiv="refresh" content="5">' in page
    assert "This page refreshes every 5 seconds until the run finishes" in page
    assert "Not measured" in page
    assert "The model has not been trained yet" in page


# ------------------------------------------------------------------------------------------------
# Dashboard, queue, runs


def test_dashboard_counts(client, manager, world):
    client.force_login(manager)
    page = client.get(reverse("linkage:home")).content.decode()
    assert 'data-figure="pairs-pending">1<' in page
    assert 'data-figure="people-linked">2<' in page
    assert 'data-figure="bulk-unreviewed">0<' in page
    assert "Legacy case extract" in page
    assert f"Run {world['run'].pk}" in page


def test_queue_lists_pending_and_unsure_and_filters_by_status_and_band(client, manager, world):
    job = world["job"]
    c = fx.record_make(
        job, source_ref="CASE-0003", given_names="Omar", family_name="Nasser", date_of_birth=None
    )
    d = fx.record_make(
        job, source_ref="CASE-0004", given_names="Omar", family_name="Naser", date_of_birth=None
    )
    unsure = fx.pair_make(
        world["run"], c, d, status=PairStatus.UNSURE, probability=0.97, task=False
    )
    e = fx.record_make(
        job, source_ref="CASE-0005", given_names="Lina", family_name="Haddad", date_of_birth=None
    )
    auto = fx.pair_make(
        world["run"], world["left"], e, status=PairStatus.AUTO, probability=0.999, task=False
    )
    client.force_login(manager)
    page = client.get(reverse("linkage:review-queue")).content.decode()
    assert f"Compare pair {world['pair'].pk}" in page and f"Compare pair {unsure.pk}" in page
    assert f"Compare pair {auto.pk}" not in page
    # most likely first
    assert page.index(f"Compare pair {unsure.pk}") < page.index(f"Compare pair {world['pair'].pk}")
    only_unsure = client.get(reverse("linkage:review-queue"), {"status": "unsure"}).content.decode()
    assert (
        f"Compare pair {unsure.pk}" in only_unsure
        and f"Compare pair {world['pair'].pk}" not in only_unsure
    )
    middle = client.get(reverse("linkage:review-queue"), {"band": "middle"}).content.decode()
    assert (
        f"Compare pair {world['pair'].pk}" in middle and f"Compare pair {unsure.pk}" not in middle
    )
    nothing = client.get(reverse("linkage:review-queue"), {"band": "low"}).content.decode()
    assert "No pairs match these filters" in nothing


def test_run_detail_shows_accuracy_timings_and_the_model(client, manager, world):
    client.force_login(manager)
    page = client.get(reverse("linkage:run-detail", args=[world["run"].pk])).content.decode()
    assert "Pairwise links" in page and "Final clusters" in page
    assert "99.10%" in page and "97.80%" in page and "0.9845" in page
    assert "Train" in page and "1.25" in page
    assert "Forename and surname the same" in page
    assert "0.8200" in page and "0.0004" in page and "3.00e-05" in page
    runs = client.get(reverse("linkage:runs")).content.decode()
    assert "F1 0.9845" in runs


def test_run_start_queues_a_run_and_refuses_a_second(
    client, manager, world, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("linkage:run-start"))
    run = LinkageRun.objects.exclude(pk=world["run"].pk).get()
    assert response.status_code == 302 and response.url == reverse(
        "linkage:run-detail", args=[run.pk]
    )
    assert run.status == RunStatus.QUEUED and run.created_by == manager
    again = client.post(reverse("linkage:run-start"), follow=True)
    assert "already" in again.content.decode()
    assert LinkageRun.objects.count() == 2


# ------------------------------------------------------------------------------------------------
# The pair page and decisions


def test_pair_page_shows_both_records_and_the_reasons(client, manager, world):
    client.force_login(manager)
    page = client.get(reverse("linkage:pair", args=[world["pair"].pk])).content.decode()
    assert "CASE-0001" in page and "CASE-0002" in page
    assert "Haddad" in page and "Hadad" in page
    assert world["person_a"].reference in page and world["person_b"].reference in page
    assert "91.5%" in page  # the match probability
    assert "Day and month transposed" in page and "+3.40" in page and "\u22124.20" in page
    assert "govuk-tag--green" in page and "govuk-tag--red" in page
    assert "<svg" in page and "style=" not in page.split("<main", 1)[1]
    assert "Yes, the same person" in page and "Unsure: refer to a senior reviewer" in page
    assert "Asylum" in page and "Not in use" in page


def test_viewing_a_pair_is_audited_against_both_people(client, manager, world):
    client.force_login(manager)
    client.get(reverse("linkage:pair", args=[world["pair"].pk]))
    events = AuditEvent.objects.filter(verb="linkage.pair_viewed")
    assert {e.person_id for e in events} == {world["person_a"].pk, world["person_b"].pk}
    assert all(e.action == "consultation" and e.actor == manager for e in events)
    assert events.first().payload["people"] == sorted([world["person_a"].pk, world["person_b"].pk])


def test_decide_requires_a_decision_and_a_reason(client, manager, world):
    client.force_login(manager)
    response = client.post(
        reverse("linkage:pair", args=[world["pair"].pk]), {"decision": "", "reason": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Select whether the two records are about the same person" in page
    assert "Enter the reason for your decision" in page
    world["pair"].refresh_from_db()
    assert world["pair"].status == PairStatus.PENDING


def test_decide_match_merges_the_two_people(client, manager, world):
    client.force_login(manager)
    response = _decide(client, world["pair"], "match")
    assert response.status_code == 302
    pair = CandidatePair.objects.get(pk=world["pair"].pk)
    assert pair.status == PairStatus.MATCH and pair.decided_by == manager
    assert pair.person_merge is not None
    page = client.get(response.url).content.decode()
    assert "Decision saved: the same person" in page
    assert "Decided: the same person" in page and "Rita Reviewer" in page
    assert "Save decision" not in page


def test_decide_not_match_keeps_them_apart(client, manager, world):
    client.force_login(manager)
    assert (
        _decide(
            client, world["pair"], "not_match", "Different HO references, different people"
        ).status_code
        == 302
    )
    pair = CandidatePair.objects.get(pk=world["pair"].pk)
    assert pair.status == PairStatus.NOT_MATCH and pair.person_merge is None
    assert pair.decision_reason == "Different HO references, different people"
    queue = client.get(reverse("linkage:review-queue")).content.decode()
    assert "There are no pairs to review" in queue


def test_unsure_stays_in_the_queue_for_another_reviewer(client, manager, second_manager, world):
    client.force_login(manager)
    assert _decide(client, world["pair"], "unsure", "Could be twins").status_code == 302
    pair = CandidatePair.objects.get(pk=world["pair"].pk)
    assert pair.status == PairStatus.UNSURE
    page = client.get(reverse("linkage:pair", args=[pair.pk])).content.decode()
    assert "Referred to a senior reviewer" in page and "Could be twins" in page
    assert "Save decision" in page  # still open for a decision
    queue = client.get(reverse("linkage:review-queue"), {"status": "unsure"}).content.decode()
    assert f"Compare pair {pair.pk}" in queue
    # The same reviewer cannot settle their own referral.
    again = _decide(client, pair, "match", "Thought again")
    assert again.status_code == 400 and "another reviewer must decide it" in again.content.decode()
    client.force_login(second_manager)
    assert (
        _decide(
            client, pair, "not_match", "Twins: different first names on the HO file"
        ).status_code
        == 302
    )
    assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.NOT_MATCH


def test_a_second_decision_is_refused_naming_the_first_decider(
    client, manager, second_manager, world
):
    client.force_login(manager)
    _decide(client, world["pair"], "not_match", "Different people")
    client.force_login(second_manager)
    response = _decide(client, world["pair"], "match", "I think they are the same")
    assert response.status_code == 409
    page = response.content.decode()
    assert "This pair has already been decided" in page
    assert "Rita Reviewer" in page and "18 November 2026" in page
    assert "Save decision" not in page
    assert CandidatePair.objects.get(pk=world["pair"].pk).status == PairStatus.NOT_MATCH


def test_service_refusal_is_a_validation_error_subclass(manager, second_manager, world):
    services.pair_decide(
        actor=manager, pair=world["pair"], decision="not_match", reason="Different"
    )
    with pytest.raises(services.PairAlreadyDecided, match="Rita Reviewer"):
        services.pair_decide(
            actor=second_manager, pair=world["pair"], decision="match", reason="Same"
        )


# ------------------------------------------------------------------------------------------------
# Record and match pages


def test_record_page_shows_the_record_its_person_and_its_pairs(client, manager, world):
    client.force_login(manager)
    page = client.get(reverse("linkage:record", args=[world["left"].pk])).content.decode()
    assert "CASE-0001" in page and world["person_a"].reference in page
    assert f"Pair {world['pair'].pk}" in page and "CASE-0002" in page
    assert AuditEvent.objects.filter(
        verb="linkage.record_viewed", person_id=world["person_a"].pk
    ).exists()


def test_match_page_needs_a_name_or_reference_and_a_purpose(client, manager, world):
    client.force_login(manager)
    response = client.post(reverse("linkage:match"), {"given_names": "", "family_name": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a name, a Home Office reference or a Police National Computer ID" in page
    assert "Enter why you are checking these details" in page


def test_match_page_lists_candidates_with_reasons(client, manager, world, monkeypatch):
    seen = {}

    def fake_match(*, actor, purpose="", **fields):
        seen.update(fields, purpose=purpose, actor=actor)
        return [
            services.MatchCandidate(world["person_a"], world["left"], 0.97, 5.0, fx.CONTRIBUTIONS)
        ]

    monkeypatch.setattr(services, "person_match", fake_match)
    client.force_login(manager)
    response = client.post(
        reverse("linkage:match"),
        {
            "given_names": "Amir",
            "family_name": "Haddad",
            "date_of_birth_0": "7",
            "date_of_birth_1": "5",
            "date_of_birth_2": "1990",
            "phone": "07700 900123",
            "purpose": "Intake interview",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert world["person_a"].reference in page and "97.0%" in page
    assert seen["phone"] == "07700 900123"  # the phone reaches the match (standardised there)
    assert "Day and month transposed" in page
    assert seen["given_names"] == "Amir" and seen["purpose"] == "Intake interview"
    assert seen["date_of_birth"].isoformat() == "1990-05-07" and seen["actor"] == manager


def test_match_page_with_no_candidates(client, manager, world):
    client.force_login(manager)
    response = client.post(
        reverse("linkage:match"),
        {"given_names": "Nobody", "family_name": "Known", "purpose": "Checking a letter"},
    )
    assert response.status_code == 200
    assert "No one already linked matches these details" in response.content.decode()


def test_an_automatic_link_needs_no_decision(client, manager, world):
    job = world["job"]
    other = fx.record_make(
        job, source_ref="CASE-0009", given_names="Amir", family_name="Haddad", date_of_birth=None
    )
    auto = fx.pair_make(
        world["run"], world["left"], other, status=PairStatus.AUTO, probability=0.999, task=False
    )
    client.force_login(manager)
    page = client.get(reverse("linkage:pair", args=[auto.pk])).content.decode()
    assert "linked automatically" in page and "Save decision" not in page
    response = _decide(client, auto, "not_match", "Not them")
    assert response.status_code == 409
    assert CandidatePair.objects.get(pk=auto.pk).status == PairStatus.AUTO


def test_the_person_tab_lists_every_linked_record_and_the_pairs_waiting(client, manager, world):
    from waymark.core.models import AuditEvent

    client.force_login(manager)
    response = client.get(reverse("linkage:person", args=[world["person_a"].pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "CASE-0001" in page and "Linked records" in page
    assert f"pair {world['pair'].pk}" in page
    assert AuditEvent.objects.filter(verb="person.viewed", person_id=world["person_a"].pk).exists()


def test_a_pair_above_the_upper_threshold_says_why_it_waits_for_a_person(client, manager, world):
    """The twins guard holds a pair the model scores above the automatic threshold: the queue and
    the pair page say so, in words (a pair below the threshold says nothing of the kind)."""
    pair = world["pair"]
    client.force_login(manager)
    queue = client.get(reverse("linkage:review-queue")).content.decode()
    page = client.get(reverse("linkage:pair", args=[pair.pk])).content.decode()
    assert "data-held" not in queue and "data-held" not in page
    CandidatePair.objects.filter(pk=pair.pk).update(
        match_probability=max(0.9995, pair.run.upper_threshold)
    )
    queue = client.get(reverse("linkage:review-queue")).content.decode()
    page = client.get(reverse("linkage:pair", args=[pair.pk])).content.decode()
    assert "the forenames differ (twins or siblings?)" in queue
    assert "Why this pair is here" in page and "no Home Office reference or PNC ID" in page
