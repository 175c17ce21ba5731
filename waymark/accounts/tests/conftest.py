import pytest

from waymark.accounts.models import Grade
from waymark.testing import PASSWORD, user_make

__all__ = ["PASSWORD"]  # the tests sign in with it


@pytest.fixture
def person_user(db):
    """A user with no role."""
    return user_make(
        None, username="sam.signer", first_name="Sam", last_name="Signer", grade=Grade.EO
    )
