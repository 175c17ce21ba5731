"""The supplier client a signed request names, read once a process and kept for
``rules.SUPPLIER_CLIENT_CACHE_SECONDS`` (issue 17 item 3: the client and its permission cost three
of an ingested breach's statements). A change saved in this process (a rotated secret, a
deactivated client) empties the cache at once; in other processes it takes effect within the
cache's lifetime, as does a change to the machine user's permissions."""

from __future__ import annotations

import threading
from time import monotonic

from django.db.models.signals import post_delete, post_save

from waymark.core import process_caches
from waymark.monitoring import rules
from waymark.monitoring.models import SupplierClient

NOTIFY_PERMISSION = "monitoring.supplier_notify"

_lock = threading.Lock()
_clients: dict[str, tuple[float, SupplierClient | None]] = {}


def supplier_client_for(client_id: str) -> SupplierClient | None:
    """The active client with this id (its machine user loaded, and ``may_notify``: whether that
    user may send supplier events), or None; from the process's cache while it is fresh."""
    if not client_id:
        return None
    now = monotonic()
    cached = _clients.get(client_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    client = (
        SupplierClient.objects.select_related("machine_user")
        .filter(client_id=client_id, is_active=True)
        .first()
    )
    if client is not None:
        client.may_notify = client.machine_user.has_perm(NOTIFY_PERMISSION)  # type: ignore[attr-defined]
    with _lock:
        _clients[client_id] = (now + rules.SUPPLIER_CLIENT_CACHE_SECONDS, client)
    return client


@process_caches.register
def supplier_clients_forget() -> None:
    with _lock:
        _clients.clear()


def _changed(sender, **kwargs) -> None:
    supplier_clients_forget()


post_save.connect(_changed, sender=SupplierClient, dispatch_uid="supplier-clients-forget-save")
post_delete.connect(_changed, sender=SupplierClient, dispatch_uid="supplier-clients-forget-delete")
