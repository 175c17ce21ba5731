"""The competent authority in a real browser, every step on its own page: a first responder refers
someone on ``nrm:referral-new`` (the details match a person already held: the page lists the
candidate and the responder confirms them) → the case preparer records each source on
``nrm:preparation`` (the last one opens the decision maker's work) → a positive reasonable grounds
decision served → the recovery period runs → a negative conclusive grounds decision → the
technical specialist's check (agree) → the letter served.

Time moves as it does in production: the clock is ``WAYMARK_FROZEN_TIME`` (``waymark.core.clock``,
read by the live server's thread on every request), set forward past the recovery period, and the
scheduler's own command (``run_sweeps``) runs every registered sweep; ``nrm.recovery_ended`` is
what moves the referral to conclusive grounds. axe-core on every page, at 1280 and at 360 px, and
no page scrolls sideways at 360 px,
where the queues show each row as a card. A manager allocates the referral on its page."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest

from tests.browser.conftest import PASSWORD, assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2026, 11, 18, 10, 0)
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 360, "height": 800}


def accessible_at_both_widths(page, where: str) -> None:
    """axe-core finds nothing serious or critical at 1280 px and at 360 px, where the page must
    not scroll sideways either; the page is left at 1280 px."""
    assert_accessible(page, f"{where} at 1280 px")
    page.set_viewport_size(NARROW)
    try:
        assert_accessible(page, f"{where} at 360 px")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], f"{where} scrolls sideways at 360 px ({width} px)"
    finally:
        page.set_viewport_size(WIDE)


@pytest.fixture
def nrm_world(settings):
    from django.contrib.auth.models import Group

    from waymark.accounts.models import Team, User
    from waymark.accounts.services import roles_sync
    from waymark.core import clock
    from waymark.nrm import models as m
    from waymark.nrm import rules
    from waymark.people import services as people_services
    from waymark.work import services as work_services

    settings.WAYMARK_FROZEN_TIME = START.isoformat()
    roles_sync()
    authority = Team.objects.get_or_create(
        slug="competent-authority", defaults={"name": "Competent authority (modern slavery)"}
    )[0]
    responders = Team.objects.get_or_create(
        slug="detention-engagement", defaults={"name": "Detention engagement team Heathrow"}
    )[0]
    users = {}
    for username, role, last, team in (
        ("nrm.responder", "first_responder", "Responder", responders),
        ("nrm.preparer", "nrm_case_preparation", "Preparer", authority),
        ("nrm.decider", "nrm_decision_maker", "Decider", authority),
        ("nrm.specialist", "technical_specialist", "Specialist", authority),
        ("nrm.manager", "nrm_manager", "Manager", authority),
    ):
        user = User.objects.create_user(
            username=username, password=PASSWORD, first_name="Sam", last_name=last, grade="HEO"
        )
        user.teams.add(team)
        user.groups.add(Group.objects.get(name=role))
        users[role] = user
    # The decision maker holds the competence the decision tasks need (issue 20 item 2): an
    # assessor signed them off, as production would before they are given decisions.
    assessor = User.objects.create_user(username="nrm.assessor", password=PASSWORD)
    work_services.competence_sign_off(
        actor=None,
        holder=users["nrm_decision_maker"],
        assessor=assessor,
        competence_key="nrm_decision_maker",
        expires_on=START.date() + timedelta(days=365),
    )
    m.GuidanceEdition.objects.create(
        code="MSA-SG-3.10",
        title="Modern Slavery statutory guidance 3.10",
        in_force_from=date(2024, 7, 1),
    )
    m.ReferralFormVersion.objects.create(
        version=1,
        effective_from=date(2024, 1, 1),
        questions=rules.REFERRAL_FORM_V1,
        created_at=clock.now(),
    )
    # Held already, in the detention engagement team's records: the referral must find her.
    person = people_services.person_create(
        actor=None,
        given_names="Amira",
        family_name="Haddad",
        date_of_birth=date(1994, 3, 2),
        nationalities=("SYR",),
        owning_team=responders,
    )
    return {"authority": authority, "person": person, **users}


def assert_rows_are_cards(page, where: str) -> None:
    """At 360 px each row of the page's table is a card (a block, each cell labelled by its
    column), and the page does not scroll sideways; axe-core finds nothing serious there."""
    page.set_viewport_size(NARROW)
    try:
        rows = page.locator("table.waymark-table--stacked tbody tr")
        assert rows.count() >= 1, f"{where}: no rows"
        shape = rows.first.evaluate(
            """row => ({
                display: getComputedStyle(row).display,
                labels: [...row.cells].slice(1).map(
                    cell => getComputedStyle(cell, '::before').content),
                head: getComputedStyle(row.closest('table').tHead).position,
            })"""
        )
        assert shape["display"] == "block", f"{where}: rows are not cards at 360 px"
        assert shape["head"] == "absolute", f"{where}: the header row is still shown"
        assert all(label not in ("none", '""') for label in shape["labels"]), shape
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], f"{where} scrolls sideways at 360 px ({width} px)"
        assert_accessible(page, f"{where} as cards at 360 px")
    finally:
        page.set_viewport_size(WIDE)
    assert rows.first.evaluate("row => getComputedStyle(row).display") == "table-row"


def _allocate(page, base, referral, decider):
    """A manager names the decision maker on the allocation page."""
    url = base + f"/nrm/referrals/{referral.pk}/allocate/"
    page.goto(url)
    accessible_at_both_widths(page, "allocation form")
    page.get_by_role("button", name="Allocate").click()  # nobody chosen
    page.wait_for_load_state()
    assert "There is a problem" in page.content()
    accessible_at_both_widths(page, "allocation form with errors")
    page.get_by_label("Decision maker").select_option(label=decider.display_name)
    page.get_by_role("button", name="Allocate").click()
    page.wait_for_url(re.compile(rf"/nrm/referrals/{referral.pk}/$"))
    referral.refresh_from_db()
    assert referral.decision_maker_id == decider.pk


def _context(browser):
    context = browser.new_context(viewport=WIDE, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _refer(page, base, person):
    """The first responder's referral, with the person matching step; returns the referral."""
    from waymark.nrm import models as m

    page.goto(base + "/nrm/referrals/new/")
    accessible_at_both_widths(page, "referral form")
    page.get_by_role("button", name="Send the referral").click()  # nothing filled in
    page.wait_for_load_state()
    assert "There is a problem" in page.content()
    accessible_at_both_widths(page, "referral form with errors")
    assert not m.Referral.objects.exists()

    page.fill("input[name=given_names]", "Amira")
    page.fill("input[name=family_name]", "Haddad")
    page.fill("input[name=date_of_birth_0]", "2")
    page.fill("input[name=date_of_birth_1]", "3")
    page.fill("input[name=date_of_birth_2]", "1994")
    page.fill("input[name=nationality]", "SYR")
    page.select_option("select[name=referrer_type]", "detention_engagement_team")
    page.check("input[name=consent][value=consented]")
    page.check("input[name=age_group][value=adult]")
    page.check("input[name=detained]")
    page.check("input[name=exploitation_types][value=forced_labour]")
    page.check("input[name=control_methods][value=debt_bondage]")
    page.fill("textarea[name=q_account]", "Made to work in a car wash for no pay")
    page.fill("[name=q_indicators]", "Passport held by the employer; owes a debt")
    page.get_by_role("button", name="Send the referral").click()
    page.wait_for_load_state()
    # The details match a person already held: nothing is made until the responder confirms.
    assert "These people are already held" in page.content()
    assert person.reference in page.content()
    assert not m.Referral.objects.exists()
    accessible_at_both_widths(page, "referral form with a person to confirm")
    page.check(f"#confirm-{person.pk}")
    page.get_by_role("button", name="Send the referral").click()
    page.wait_for_url(re.compile(r"/nrm/referrals/\d+/$"))
    referral = m.Referral.objects.get()
    assert referral.person_id == person.pk and referral.status == m.ReferralStatus.PREPARATION
    accessible_at_both_widths(page, "the referral, as its first responder sees it")
    return referral


def _prepare(page, base, referral):
    """Case preparation staff record what each source holds, one at a time."""
    from waymark.nrm import models as m
    from waymark.nrm import rules

    url = base + f"/nrm/referrals/{referral.pk}/preparation/"
    page.goto(url)
    accessible_at_both_widths(page, "case preparation")
    page.get_by_role("button", name="Record").click()  # no source, no answer
    page.wait_for_load_state()
    assert "There is a problem" in page.content()
    accessible_at_both_widths(page, "case preparation with errors")
    sources = list(rules.PREPARATION_SOURCES.items())
    for n, (_code, label) in enumerate(sources):
        page.goto(url)
        page.get_by_label("Source").select_option(label=label)
        if n == len(sources) - 1:
            page.get_by_label("Nothing held").check()
        else:
            page.get_by_label("Gathered").check()
            page.fill("textarea[name=summary]", f"Checked {label.lower()}")
        page.get_by_role("button", name="Record").click()
        page.wait_for_url(url)
    referral.refresh_from_db()
    assert referral.status == m.ReferralStatus.RG_PENDING
    assert not referral.preparation_items.filter(status="open").exists()
    accessible_at_both_widths(page, "case preparation complete")


def _decide(page, base, referral, stage, outcome_label, rationale):
    page.goto(base + f"/nrm/referrals/{referral.pk}/decisions/{stage}/new/")
    accessible_at_both_widths(page, f"{stage} decision form")
    page.get_by_role("button", name="Save draft").click()  # nothing filled in
    page.wait_for_load_state()
    assert "There is a problem" in page.content()
    accessible_at_both_widths(page, f"{stage} decision form with errors")
    page.get_by_label(outcome_label, exact=True).check()
    page.fill("textarea[name=evidence_considered]", "The referral, casework records and PNC")
    page.fill("textarea[name=rationale]", rationale)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/nrm/decisions/\d+/$"))
    accessible_at_both_widths(page, f"{stage} draft decision")
    page.get_by_role("button", name="Sign off the decision").click()
    page.wait_for_url(re.compile(r"/nrm/decisions/\d+/$"))
    accessible_at_both_widths(page, f"{stage} decision signed off")
    return int(re.search(r"/decisions/(\d+)/", page.url).group(1))


def _serve(page, base, decision_pk):
    page.goto(base + f"/nrm/decisions/{decision_pk}/serve/")
    accessible_at_both_widths(page, "serve form")
    page.get_by_label("By hand").check()
    page.get_by_role("button", name="Record service").click()
    page.wait_for_url(re.compile(rf"/nrm/decisions/{decision_pk}/$"))


def _time_passes(settings, to: datetime) -> str:
    """The clock moves on and the scheduler's sweep command runs, as it does every night."""
    from django.core.management import call_command

    settings.WAYMARK_FROZEN_TIME = to.isoformat()
    out = io.StringIO()
    call_command("run_sweeps", stdout=out)
    return out.getvalue()


def test_referral_rg_recovery_cg_check_and_letter(browser, live_server, nrm_world, settings):
    from waymark.documents.models import LetterService
    from waymark.nrm import models as m
    from waymark.nrm import rules
    from waymark.work.models import Task

    base = live_server.url
    contexts = []
    try:
        fr_ctx, fr = _context(browser)
        cp_ctx, cp = _context(browser)
        dm_ctx, dm = _context(browser)
        sp_ctx, sp = _context(browser)
        mg_ctx, mg = _context(browser)
        contexts = [fr_ctx, cp_ctx, dm_ctx, sp_ctx, mg_ctx]

        sign_in(fr, base, "nrm.responder")
        referral = _refer(fr, base, nrm_world["person"])
        fr.goto(base + "/nrm/referrals/mine/")
        assert referral.reference in fr.content()
        assert_rows_are_cards(fr, "my referrals")

        sign_in(mg, base, "nrm.manager")
        _allocate(mg, base, referral, nrm_world["nrm_decision_maker"])
        # No decision task opens while the case is being prepared.
        sign_in(dm, base, "nrm.decider")
        assert not Task.objects.filter(
            dedupe_key__startswith=f"nrm:{referral.pk}:decide_rg"
        ).exists()

        sign_in(cp, base, "nrm.preparer")
        _prepare(cp, base, referral)
        assert Task.objects.filter(dedupe_key__startswith=f"nrm:{referral.pk}:decide_rg").exists()

        # The decision maker's queue lists the referral; on a phone each row is a card.
        dm.goto(base + "/nrm/queue/")
        assert referral.reference in dm.content()
        accessible_at_both_widths(dm, "decision maker's queue")
        assert_rows_are_cards(dm, "decision maker's queue")

        rg = _decide(dm, base, referral, "rg", "Positive", "The account meets the threshold")
        assert m.Decision.objects.get(pk=rg).status == m.DecisionStatus.READY
        _serve(dm, base, rg)
        referral.refresh_from_db()
        assert referral.status == m.ReferralStatus.RECOVERY
        assert referral.recovery_ends_on == START.date() + timedelta(
            days=rules.RECOVERY_PERIOD_DAYS
        )

        # A CG before the recovery period ends is refused with the date it may be made.
        dm.goto(base + f"/nrm/referrals/{referral.pk}/decisions/cg/new/")
        dm.get_by_label("Negative", exact=True).check()
        dm.fill("textarea[name=evidence_considered]", "x")
        dm.fill("textarea[name=rationale]", "y")
        dm.get_by_role("button", name="Save draft").click()
        dm.wait_for_load_state()
        assert "it may be made from" in dm.content()
        accessible_at_both_widths(dm, "CG refused before the recovery period ends")
        assert not m.Decision.objects.filter(referral=referral, stage="cg").exists()

        # The night before the period ends the sweep leaves the referral in recovery; on the day
        # it ends, the sweep opens the conclusive grounds work.
        ends = datetime.combine(referral.recovery_ends_on, START.time())
        _time_passes(settings, ends - timedelta(days=1))
        referral.refresh_from_db()
        assert referral.status == m.ReferralStatus.RECOVERY
        out = _time_passes(settings, ends)
        assert "nrm.recovery_ended: 1" in out
        referral.refresh_from_db()
        assert referral.status == m.ReferralStatus.CG_PENDING

        cg = _decide(
            dm, base, referral, "cg", "Negative", "Not met on the balance of probabilities"
        )
        assert m.Decision.objects.get(pk=cg).status == m.DecisionStatus.AWAITING_CHECK
        dm.goto(base + f"/nrm/decisions/{cg}/serve/")
        dm.get_by_label("By hand").check()
        dm.get_by_role("button", name="Record service").click()
        dm.wait_for_load_state()
        assert "technical specialist" in dm.content()  # refused: not yet checked
        accessible_at_both_widths(dm, "service refused before the check")
        assert m.Decision.objects.get(pk=cg).status == m.DecisionStatus.AWAITING_CHECK

        # The specialist finds the check in their queue and agrees.
        sign_in(sp, base, "nrm.specialist")
        sp.goto(base + "/nrm/checks/")
        accessible_at_both_widths(sp, "check queue")
        assert_rows_are_cards(sp, "check queue")
        check = m.SpecialistCheck.objects.get(decision_id=cg)
        sp.goto(base + f"/nrm/checks/{check.pk}/")
        accessible_at_both_widths(sp, "check form")
        sp.get_by_label("Yes").check()
        sp.get_by_role("button", name="Record the check").click()
        sp.wait_for_url(re.compile(rf"/nrm/decisions/{cg}/$"))
        accessible_at_both_widths(sp, "decision after the check")

        _serve(dm, base, cg)
        decision = m.Decision.objects.get(pk=cg)
        referral.refresh_from_db()
        assert decision.status == m.DecisionStatus.SERVED and decision.letter_document_id
        assert LetterService.objects.filter(document_id=decision.letter_document_id).exists()
        assert referral.status == m.ReferralStatus.CONCLUDED
        accessible_at_both_widths(dm, "served decision")

        # The first responder sees their referral concluded.
        fr.goto(base + f"/nrm/referrals/{referral.pk}/")
        assert "Concluded" in fr.content()
        accessible_at_both_widths(fr, "the concluded referral, as its first responder sees it")
    finally:
        for context in contexts:
            context.close()
