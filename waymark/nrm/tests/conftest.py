"""Shared fixtures for the competent authority's tests: the authority's team and a user in each of
its roles, a first responder in another team, a person, the guidance edition and referral form in
force. Referrals themselves are made through ``services.referral_create`` in each test file's own
fixtures (or directly on the models where a test is about a later step)."""

from __future__ import annotations

from datetime import date

import pytest

from waymark import testing
from waymark.accounts.models import Team
from waymark.accounts.services import roles_sync
from waymark.nrm import models as m
from waymark.nrm import rules
from waymark.people import services as people_services
from waymark.testing import NOW


@pytest.fixture
def authority_team(db) -> Team:
    roles_sync()
    return Team.objects.get_or_create(
        slug="competent-authority",
        defaults={
            "name": "Competent authority (modern slavery)",
            "unit": "Single competent authority",
        },
    )[0]


@pytest.fixture
def responder_team(db) -> Team:
    return Team.objects.get_or_create(
        slug="detention-engagement", defaults={"name": "Detention engagement team Heathrow"}
    )[0]


@pytest.fixture
def other_team(db) -> Team:
    return Team.objects.get_or_create(
        slug="ice-scotland", defaults={"name": "ICE Scotland", "nation": "scotland"}
    )[0]


def signed_off_decision_maker(user):
    """Sign ``user`` off as an NRM decision maker (the competence the decision tasks need, issue 20
    item 2), as production would before giving them decisions; an assessor names it."""
    from datetime import timedelta

    from waymark.core import clock
    from waymark.work.services import competence_sign_off

    competence_sign_off(
        actor=None,
        holder=user,
        assessor=testing.user_make(None, last_name="Assessor"),
        competence_key="nrm_decision_maker",
        expires_on=clock.today() + timedelta(days=365),
    )
    return user


@pytest.fixture
def decision_maker(authority_team):
    return signed_off_decision_maker(
        testing.user_make("nrm_decision_maker", authority_team, last_name="Decider")
    )


@pytest.fixture
def second_decision_maker(authority_team):
    return signed_off_decision_maker(
        testing.user_make("nrm_decision_maker", authority_team, last_name="Reconsiderer")
    )


@pytest.fixture
def specialist(authority_team):
    return testing.user_make("technical_specialist", authority_team, last_name="Specialist")


@pytest.fixture
def case_preparer(authority_team):
    return testing.user_make("nrm_case_preparation", authority_team, last_name="Preparer")


@pytest.fixture
def safeguarding_adviser(authority_team):
    return testing.user_make("nrm_safeguarding_adviser", authority_team, last_name="Adviser")


@pytest.fixture
def nrm_manager(authority_team):
    return testing.user_make("nrm_manager", authority_team, last_name="Manager")


@pytest.fixture
def first_responder(responder_team):
    return testing.user_make("first_responder", responder_team, last_name="Responder")


@pytest.fixture
def other_responder(other_team):
    return testing.user_make("first_responder", other_team, last_name="Elsewhere")


@pytest.fixture
def outsider(other_team):
    """A caseworker of another team with no competent-authority permission."""
    return testing.user_make("case_owner", other_team, last_name="Outsider")


@pytest.fixture
def person(authority_team):
    return people_services.person_create(
        actor=None,
        given_names="Amira",
        family_name="Haddad",
        date_of_birth=date(1994, 3, 2),
        nationalities=("SYR",),
        owning_team=authority_team,
    )


@pytest.fixture
def guidance_edition(db) -> m.GuidanceEdition:
    return m.GuidanceEdition.objects.get_or_create(
        code="MSA-SG-3.10",
        defaults={
            "title": "Modern Slavery: statutory guidance, version 3.10",
            "in_force_from": date(2024, 7, 1),
            "rg_test": rules.RG_TEST,
        },
    )[0]


@pytest.fixture
def form_version(db) -> m.ReferralFormVersion:
    return m.ReferralFormVersion.objects.get_or_create(
        version=1,
        defaults={
            "effective_from": date(2024, 1, 1),
            "questions": rules.REFERRAL_FORM_V1,
            "created_at": NOW,
        },
    )[0]
