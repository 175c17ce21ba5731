"""django-pgtrigger's "should this trigger be ignored?" function, without a subtransaction a row.

Every pgtrigger trigger first calls ``public._pgtrigger_should_ignore(TG_NAME)``. The library's
version reads the ``pgtrigger.ignore`` setting inside a PL/pgSQL block with an ``EXCEPTION``
clause (the setting is usually undefined, so reading it raises). Entering such a block opens a
subtransaction, so the audit trail's BEFORE INSERT trigger opened one for every audited write: a
``COPY`` of a million audit entries (a linkage run writing its people) made a million
subtransactions in one transaction, overflowed PostgreSQL's subtransaction cache and slowed to a
few hundred rows a second. This version reads the setting with ``missing_ok`` and needs no
exception block; it answers exactly as the library's does (an unset or empty setting: not
ignored; otherwise whether the trigger's name is in the list).

The library re-creates its version whenever a migration installs a trigger, so this one is put
back after every ``migrate`` (``post_migrate``, sent by the core app after all apps have migrated;
``tests/test_pgtrigger_ignore.py`` checks both the answers and that no exception block is left).
"""

from __future__ import annotations

from django.db import connections

FAST_IGNORE_FUNCTION = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$
    BEGIN
        RETURN coalesce(
            trigger_name = ANY(nullif(current_setting('pgtrigger.ignore', true), '')::TEXT[]),
            FALSE
        );
    END;
$$ LANGUAGE plpgsql;
"""


def pgtrigger_ignore_install(using: str = "default") -> bool:
    """Replace the library's function on a PostgreSQL database that has it; True if replaced."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regprocedure('public._pgtrigger_should_ignore(name)') IS NOT NULL"
        )
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(FAST_IGNORE_FUNCTION)
    return True


def install_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """``post_migrate`` (sent by the core app)."""
    pgtrigger_ignore_install(using=using)
