"""Send the figures pages' reads to a read replica (issue 17 item 4; docs/deployment.md "Read
replica").

With ``DATABASE_REPLICA_URL`` set, ``config/settings.py`` adds the ``replica`` database alias and
this router sends reads of the read models' summary tables and their as-of times
(``core.read_models.read_model_tables``) there. Everything else, and every write, stays on
``default``: a page that finds its read model stale rebuilds it on the primary
(``core.read_models``), and the rows reach the replica by replication. Without the alias the router
says nothing and Django uses ``default``.
"""

from __future__ import annotations

from django.db import connections

REPLICA = "replica"


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReadReplicaRouter:
    def db_for_read(self, model, **hints):
        from waymark.core.read_models import read_model_tables

        if replica_configured() and model._meta.label_lower in read_model_tables():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        """A replica is a copy of the primary: migrations run on the primary only."""
        return db != REPLICA
