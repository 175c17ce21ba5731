"""Read-only admin views, plus mailboxes (reference data). Items change only through services."""

from django.contrib import admin

from waymark.correspondence.models import CorrespondenceItem, Mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "team", "is_active")


@admin.register(CorrespondenceItem)
class CorrespondenceItemAdmin(admin.ModelAdmin):
    list_display = ("subject", "sender", "received_at", "match_status", "category", "person")
    list_filter = ("match_status", "category", "channel")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
