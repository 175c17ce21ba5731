import pytest

from waymark.accounts.models import Grade, User

PASSWORD = "a-long-test-password-123"


@pytest.fixture
def person_user(db):
    return User.objects.create_user(
        username="sam.signer",
        password=PASSWORD,
        first_name="Sam",
        last_name="Signer",
        grade=Grade.EO,
    )
