"""Background jobs for electronic monitoring, run by ``manage.py db_worker``."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from waymark.core import clock, context
from waymark.monitoring import rules


@task()
def order_send_task(order_id: int) -> str:
    """Send one order to the supplier; on failure enqueue a retry with backoff (rules)."""
    from waymark.monitoring.models import FittingOrder, OrderStatus
    from waymark.monitoring.outbound import http_transport
    from waymark.monitoring.services import OrderNotSent, order_send

    with context.acting("job"):
        try:
            order = order_send(order_id=order_id, transport=http_transport)
        except OrderNotSent:  # recorded on the order by order_send; try again later
            attempts = (
                FittingOrder.objects.filter(pk=order_id)
                .values_list("send_attempts", flat=True)
                .first()
                or 1
            )
            delay = rules.OUTBOUND_BACKOFF_SECONDS[
                min(attempts, len(rules.OUTBOUND_BACKOFF_SECONDS)) - 1
            ]
            order_send_task.using(run_after=clock.now() + timedelta(seconds=delay)).enqueue(
                order_id
            )
            return "retry"
        return "sent" if order.status == OrderStatus.SENT else order.status
