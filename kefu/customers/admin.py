from django.contrib import admin

from kefu.customers.models import Contact, Customer, PhoneNumber, RevealLog


class PhoneInline(admin.TabularInline):
    model = PhoneNumber
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "segment", "persona", "customer_since"]
    list_filter = ["tier", "persona"]
    search_fields = ["name", "phones__number"]
    inlines = [PhoneInline]
    raw_id_fields = ["account_manager"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "channel", "category", "summary", "agent"]
    list_filter = ["channel", "category"]
    raw_id_fields = ["customer", "agent"]


@admin.register(RevealLog)
class RevealLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "customer", "field", "reason"]
    readonly_fields = ["at", "user", "customer", "field", "reason"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
