"""The competent authority in a real browser: a referral → case preparation → a positive reasonable
grounds decision served → the recovery period runs (the clock moved on through
``WAYMARK_FROZEN_TIME``, which the live server's thread reads) → a negative conclusive grounds
decision → the technical specialist's check → the letter served. axe-core on every page, and the
decision page at 360 px.

PRE-MERGE NOTE (helper B): the referral and its case preparation are made on the models here,
because helper A's ``nrm:referral-new`` and preparation pages are not on this branch. After the
merge, replace ``_referral_prepared`` with the walk through A's pages."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from tests.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2026, 11, 18, 10, 0)


@pytest.fixture
def nrm_world(settings):
    from django.contrib.auth.models import Group

    from waymark.accounts.models import Team, User
    from waymark.accounts.services import roles_sync
    from waymark.core import clock
    from waymark.nrm import models as m
    from waymark.nrm import rules
    from waymark.people import services as people_services

    settings.WAYMARK_FROZEN_TIME = START.isoformat()
    roles_sync()
    team = Team.objects.get_or_create(
        slug="competent-authority", defaults={"name": "Competent authority (modern slavery)"}
    )[0]
    users = {}
    for username, role, last in (
        ("nrm.decider", "nrm_decision_maker", "Decider"),
        ("nrm.specialist", "technical_specialist", "Specialist"),
    ):
        user = User.objects.create_user(
            username=username, password=PASSWORD, first_name="Sam", last_name=last, grade="HEO"
        )
        user.teams.add(team)
        user.groups.add(Group.objects.get(name=role))
        users[role] = user
    m.GuidanceEdition.objects.create(
        code="MSA-SG-3.10",
        title="Modern Slavery statutory guidance 3.10",
        in_force_from=date(2024, 7, 1),
    )
    form = m.ReferralFormVersion.objects.create(
        version=1,
        effective_from=date(2024, 1, 1),
        questions=rules.REFERRAL_FORM_V1,
        created_at=clock.now(),
    )
    person = people_services.person_create(
        actor=None,
        given_names="Amira",
        family_name="Haddad",
        date_of_birth=date(1994, 3, 2),
        nationalities=("SYR",),
        owning_team=team,
    )
    return {"team": team, "person": person, "form": form, **users}


def _referral_prepared(world):
    """A referral received and prepared (every source gathered): PRE-MERGE, on the models."""
    from waymark.core import clock
    from waymark.nrm import models as m
    from waymark.nrm import rules

    now = clock.now()
    referral = m.Referral.objects.create(
        reference="NRM-J0001",
        person=world["person"],
        form_version=world["form"],
        answers={"account": "Forced to work in a car wash", "indicators": "Debt bondage"},
        status=m.ReferralStatus.RG_PENDING,
        received_at=now,
        referrer_type="detention_engagement_team",
        consent="consented",
        age_group="adult",
        rg_due_on=rules.rg_due_on(now.date()),
        owning_team=world["team"],
        last_activity_at=now,
    )
    for source in rules.PREPARATION_SOURCES:
        m.PreparationItem.objects.create(
            referral=referral, source=source, status="gathered", summary="Checked", gathered_at=now
        )
    return referral


def _decide(page, base, referral, stage, outcome_label, rationale):
    page.goto(base + f"/nrm/referrals/{referral.pk}/decisions/{stage}/new/")
    assert_accessible(page, f"{stage} decision form")
    page.get_by_role("button", name="Save draft").click()  # nothing filled in
    page.wait_for_load_state()
    assert "There is a problem" in page.content()
    assert_accessible(page, f"{stage} decision form with errors")
    page.get_by_label(outcome_label, exact=True).check()
    page.fill("textarea[name=evidence_considered]", "The referral, casework records and PNC")
    page.fill("textarea[name=rationale]", rationale)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/nrm/decisions/\d+/$"))
    assert_accessible(page, f"{stage} draft decision")
    page.get_by_role("button", name="Sign off the decision").click()
    page.wait_for_url(re.compile(r"/nrm/decisions/\d+/$"))
    return int(re.search(r"/decisions/(\d+)/", page.url).group(1))


def _serve(page, base, decision_pk):
    page.goto(base + f"/nrm/decisions/{decision_pk}/serve/")
    assert_accessible(page, "serve form")
    page.get_by_label("By hand").check()
    page.get_by_role("button", name="Record service").click()
    page.wait_for_url(re.compile(rf"/nrm/decisions/{decision_pk}/$"))


def test_referral_rg_recovery_cg_check_and_letter(browser, live_server, nrm_world, settings):
    from waymark.documents.models import LetterService
    from waymark.nrm import models as m
    from waymark.nrm import rules, services

    base = live_server.url
    referral = _referral_prepared(nrm_world)
    dm_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    sp_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    dm, sp = dm_ctx.new_page(), sp_ctx.new_page()
    dm.set_default_timeout(15_000)
    sp.set_default_timeout(15_000)
    try:
        sign_in(dm, base, "nrm.decider")
        rg = _decide(dm, base, referral, "rg", "Positive", "The account meets the threshold")
        assert m.Decision.objects.get(pk=rg).status == m.DecisionStatus.READY
        _serve(dm, base, rg)
        referral.refresh_from_db()
        assert referral.status == m.ReferralStatus.RECOVERY

        # A CG before the recovery period ends is refused with the date it may be made.
        dm.goto(base + f"/nrm/referrals/{referral.pk}/decisions/cg/new/")
        dm.get_by_label("Negative", exact=True).check()
        dm.fill("textarea[name=evidence_considered]", "x")
        dm.fill("textarea[name=rationale]", "y")
        dm.get_by_role("button", name="Save draft").click()
        dm.wait_for_load_state()
        assert "it may be made from" in dm.content()

        # The recovery period runs: the clock moves on and the sweep opens the CG work.
        later = START + timedelta(days=rules.RECOVERY_PERIOD_DAYS)
        settings.WAYMARK_FROZEN_TIME = later.isoformat()
        assert services.recovery_ended_sweep() == 1
        cg = _decide(
            dm, base, referral, "cg", "Negative", "Not met on the balance of probabilities"
        )
        assert m.Decision.objects.get(pk=cg).status == m.DecisionStatus.AWAITING_CHECK
        dm.goto(base + f"/nrm/decisions/{cg}/serve/")
        dm.get_by_label("By hand").check()
        dm.get_by_role("button", name="Record service").click()
        dm.wait_for_load_state()
        assert "technical specialist" in dm.content()  # refused: not yet checked

        # The specialist's check.
        sign_in(sp, base, "nrm.specialist")
        check = m.SpecialistCheck.objects.get(decision_id=cg)
        sp.goto(base + f"/nrm/checks/{check.pk}/")
        assert_accessible(sp, "check form")
        sp.get_by_label("Yes").check()
        sp.get_by_role("button", name="Record the check").click()
        sp.wait_for_url(re.compile(rf"/nrm/decisions/{cg}/$"))

        _serve(dm, base, cg)
        decision = m.Decision.objects.get(pk=cg)
        referral.refresh_from_db()
        assert decision.status == m.DecisionStatus.SERVED and decision.letter_document_id
        assert LetterService.objects.filter(document_id=decision.letter_document_id).exists()
        assert referral.status == m.ReferralStatus.CONCLUDED
        assert_accessible(dm, "served decision")
        dm.set_viewport_size({"width": 360, "height": 800})
        dm.goto(base + f"/nrm/decisions/{cg}/")
        assert dm.evaluate("document.documentElement.scrollWidth") <= 360
        assert_accessible(dm, "decision at 360px")
    finally:
        dm_ctx.close()
        sp_ctx.close()
