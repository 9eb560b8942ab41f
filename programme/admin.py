from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from programme.models import AuditEntry, Notification, Programme, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "language", "is_active", "is_superuser"]
    list_filter = ["is_active", "is_superuser", "groups", "language"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "language")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "status",
        "is_current",
        "assessment_quota",
        "enrolled_count",
        "committed_projects",
        "committed_amount",
    ]
    readonly_fields = ["enrolled_count", "committed_projects", "committed_amount"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "content_type", "object_id", "action", "from_status", "to_status"]
    list_select_related = ["actor", "content_type"]
    list_filter = ["action", "content_type"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "email", "event", "email_status", "email_attempts", "read_at"]
    list_filter = ["email_status", "event"]
    search_fields = ["email", "subject"]
    exclude = ["body_html"]
