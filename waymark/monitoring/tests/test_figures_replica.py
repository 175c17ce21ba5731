"""The figures page reads its read model from the read replica when one is configured, and nothing
is ever written there (``core.db_router``; docs/deployment.md "Read replica"). The replica here is
a second alias on the test database (a mirror of default, as ``TEST: {"MIRROR": "default"}``
makes it when ``DATABASE_REPLICA_URL`` is set)."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from waymark.core.db_router import REPLICA, ReadReplicaRouter
from waymark.core.models import ReadModelState
from waymark.monitoring.models import Breach, FigureFact
from waymark.monitoring.tests.conftest import em_reference_data, em_user

WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "CREATE", "DROP", "ALTER")


@pytest.fixture(scope="module", autouse=True)
def replica_alias():
    """The alias exists before each test's database set-up, so tests can declare it."""
    default = connections["default"].settings_dict
    connections.settings[REPLICA] = {**default, "TEST": {**default["TEST"], "MIRROR": "default"}}
    try:
        yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture
def replica():
    return connections[REPLICA]


BOTH = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


def test_without_a_replica_the_router_leaves_every_read_on_default(db, monkeypatch):
    from waymark.core import db_router

    monkeypatch.setattr(db_router, "replica_configured", lambda: False)
    router = ReadReplicaRouter()
    assert router.db_for_read(FigureFact) is None
    assert router.db_for_write(FigureFact) == "default"


@BOTH
def test_the_router_sends_only_read_model_reads_to_the_replica(replica):
    router = ReadReplicaRouter()
    assert router.db_for_read(FigureFact) == REPLICA
    assert router.db_for_read(ReadModelState) == REPLICA
    assert router.db_for_read(Breach) is None  # the records stay on the primary
    assert router.db_for_write(FigureFact) == "default"
    assert router.allow_migrate(REPLICA, "monitoring") is False
    assert router.allow_migrate("default", "monitoring") is True


@BOTH
def test_the_figures_page_reads_the_replica_and_writes_only_default(replica):
    em_reference_data()
    client_user = em_user("performance_analyst", None)
    from django.test import Client

    client = Client()
    client.force_login(client_user)
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        assert client.get("/monitoring/figures/").status_code == 200  # first view: builds
        assert client.get("/monitoring/figures.csv").status_code == 200
    replica_sql = [q["sql"] for q in on_replica.captured_queries]
    default_sql = [q["sql"] for q in on_default.captured_queries]
    assert any("monitoring_figurefact" in sql for sql in replica_sql)
    assert any("core_readmodelstate" in sql for sql in replica_sql)
    assert not [sql for sql in replica_sql if sql.lstrip().upper().startswith(WRITES)]
    # The rebuild wrote on default; the page's figure reads did not go there.
    assert any(
        sql.lstrip().upper().startswith("DELETE") and "monitoring_figurefact" in sql
        for sql in default_sql
    )
    assert FigureFact.objects.using("default").exists()  # written there (COPY on PostgreSQL)
    assert not any(
        sql.lstrip().upper().startswith("SELECT") and 'FROM "monitoring_figurefact"' in sql
        for sql in default_sql
    )
