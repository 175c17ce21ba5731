"""The data migration gives a fresh database the competent authority's team."""

import pytest

from waymark.accounts.models import Team


@pytest.mark.django_db
def test_fresh_database_has_the_competent_authority_team():
    team = Team.objects.get(slug="competent-authority")
    assert team.name == "Competent authority (modern slavery)"
