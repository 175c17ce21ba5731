from django.contrib import admin

from waymark.work.models import Queue


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    """Queues are configuration; tasks change only through the services (never the admin)."""

    list_display = ["name", "slug", "team", "is_active"]
    list_filter = ["team", "is_active"]
    search_fields = ["name", "slug"]
