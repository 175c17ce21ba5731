"""A method an API resource does not have answers 405 Method Not Allowed, as a problem document
with the ``Allow`` header, to every caller: before, a read-only resource answered a write with 403
("You may not do this"), which told a client it lacked a right it could never have."""

from __future__ import annotations

import functools
import re
import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from waymark.accounts.models import User

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete")


def _example(shape: dict) -> str:
    """A value of a path parameter's type: the resource need not exist for a 405."""
    if shape.get("format") == "uuid":
        return str(uuid.UUID(int=1))
    return "1" if shape.get("type") == "integer" else "x"


@functools.cache
def _operations() -> list[tuple[str, set[str], set[str]]]:
    """Each path of the schema with an example address, its documented methods and the others."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    rows = []
    for path, item in schema["paths"].items():
        documented = {method for method in METHODS if method in item}
        formats = {
            parameter["name"]: parameter.get("schema", {})
            for operation in (item[m] for m in documented)
            for parameter in operation.get("parameters", [])
            if parameter.get("in") == "path"
        }

        url = re.sub(r"\{(\w+)\}", lambda m, f=formats: _example(f.get(m.group(1), {})), path)
        rows.append((url, documented, set(METHODS) - documented))
    return rows


def _callers() -> dict[str, APIClient]:
    admin = User.objects.create_superuser(username="methods-admin", password="x-long-password-1")
    signed_in = APIClient()
    signed_in.force_authenticate(admin)
    return {"a superuser": signed_in, "an anonymous caller": APIClient()}


def test_every_undocumented_method_of_every_api_path_is_405_for_every_caller():
    operations = _operations()
    assert len(operations) >= 20
    wrong = []
    for name, client in _callers().items():
        for url, documented, others in operations:
            for method in sorted(others):
                response = getattr(client, method)(url)
                allowed = {m.strip().lower() for m in response.get("Allow", "").split(",")}
                if (
                    response.status_code != 405
                    or not response["Content-Type"].startswith("application/problem+json")
                    or not documented <= allowed
                ):
                    wrong.append(
                        f"{method.upper()} {url} as {name}: {response.status_code} "
                        f"{response['Content-Type']} Allow: {response.get('Allow')}"
                    )
    assert wrong == [], "\n".join(wrong)


def test_a_documented_method_still_meets_the_permission_gate():
    """The 405 comes only where the resource has no such method: a read the caller may not make
    is still 401 or 403."""
    anonymous = APIClient()
    for url, documented, _others in _operations():
        if "get" in documented and "/schema" not in url and "/docs" not in url:
            assert anonymous.get(url).status_code in (401, 403), url
