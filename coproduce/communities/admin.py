from django.contrib import admin

from .models import AccessToken, Application, Check, Community, Membership, Person, RulebookVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    """The admin is for looking; every change goes through services so it is audited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Community)
class CommunityAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "member_prefix", "timezone", "language")


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("full_name", "email", "username", "is_operator", "is_active")
    search_fields = ("full_name", "email", "username")
    exclude = ("password",)


for model in (Membership, Application, Check, RulebookVersion, AccessToken):
    admin.site.register(model, ReadOnlyAdmin)
