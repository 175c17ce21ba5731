from django.contrib import admin

from waymark.api.models import ClientCredential


@admin.register(ClientCredential)
class ClientCredentialAdmin(admin.ModelAdmin):
    list_display = ["label", "client_id", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["client_id", "secret_hash", "created_at", "created_by", "last_used_at"]
    search_fields = ["label", "client_id"]
