import pytest

from waymark.documents.tests.factories import CASEWORKER_PERMS, user_make


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def caseworker(db):
    return user_make(*CASEWORKER_PERMS)
