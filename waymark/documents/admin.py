"""Read-only admin views: every write goes through waymark.documents.services."""

from django.contrib import admin

from waymark.documents.models import Document, LetterService, LetterTemplate


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("title", "person", "document_type", "source", "uploaded_at", "scan_status")
    list_filter = ("document_type", "source", "scan_status")


@admin.register(LetterTemplate)
class LetterTemplateAdmin(ReadOnlyAdmin):
    list_display = ("name", "key", "version", "is_active", "created_at")


@admin.register(LetterService)
class LetterServiceAdmin(ReadOnlyAdmin):
    list_display = ("document", "method", "served_on", "served_by")
