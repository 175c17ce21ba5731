import pytest

from waymark.documents.tests.factories import CASEWORKER_PERMS, user_make


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def caseworker(db):
    return user_make(*CASEWORKER_PERMS)


@pytest.fixture(autouse=True)
def _queues(db):
    """The queues our task types route to (the work app or demo data creates them in a real
    deployment)."""
    from waymark.correspondence import rules
    from waymark.documents.tests.factories import team_make
    from waymark.work.models import Queue

    team = team_make()
    for slug in (rules.CORRESPONDENCE_QUEUE_SLUG, rules.MATCH_QUEUE_SLUG):
        Queue.objects.get_or_create(slug=slug, defaults={"name": slug, "team": team})
