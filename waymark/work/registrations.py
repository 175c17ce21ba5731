"""What work tells the platform at start-up (called from ``WorkConfig.ready``): the platform's own
task types, its navigation and the overdue sweep. The shared deadline rules are registered by
``waymark.work.rules`` itself, so that every module can name them."""

from __future__ import annotations

from waymark.core.models import AuditAction

# Every audit verb this app records, with its s62 category: ``core.audit.declared_verbs`` gathers
# them, the suite refuses an undeclared one, and tests/test_platform_contract.py checks the code.
AUDIT_VERBS: dict[str, str] = {
    "queue.created": AuditAction.COLLECTION,
    "saved_filter.created": AuditAction.COLLECTION,
    "saved_filter.deleted": AuditAction.ERASURE,
    "task.allocated_in_bulk": AuditAction.ALTERATION,
    "task.assigned": AuditAction.ALTERATION,
    "task.cancelled": AuditAction.ALTERATION,
    "task.completed": AuditAction.ALTERATION,
    "task.created": AuditAction.COLLECTION,
    "task.created_in_bulk": AuditAction.COLLECTION,
    "task.reassigned": AuditAction.ALTERATION,
    "task.released": AuditAction.ALTERATION,
    "task.started": AuditAction.ALTERATION,
    "task.taken_with_get_next": AuditAction.ALTERATION,
    "task.waiting": AuditAction.ALTERATION,
    "competence.signed_off": AuditAction.COLLECTION,
    "competence.withdrawn": AuditAction.ALTERATION,
    "work.my_work_exported": AuditAction.DISCLOSURE,
    "work.queue_exported": AuditAction.DISCLOSURE,
    "work.tasks_flagged_overdue": AuditAction.ALTERATION,
}


def register() -> None:
    from waymark.core.navigation import NavItem, register_nav
    from waymark.core.saved_views import FilterPage, register_filter_page
    from waymark.work.registry import platform_competences_register, platform_task_types_register
    from waymark.work.sweeps import overdue_flag, register_sweep

    platform_task_types_register()
    platform_competences_register()
    register_nav(NavItem("My work", "work:home", None, 10))
    # My work's filter (by deadline) may be saved, and is remembered (core.saved_views).
    register_filter_page(FilterPage("work:home", ("due",)))
    register_nav(NavItem("Queues", "work:queues", "work.view_task", 30))
    register_nav(
        NavItem(
            "Workload",
            "work:workload",
            "work.view_workload",
            79,
            group="figures",
            description="Each team member's active and overdue work, and each queue's backlog.",
        )
    )
    register_sweep("work.flag_overdue", overdue_flag)
