"""Admin for customers: personal data masked, reveals through the logged customer page, audit rows read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kefu.accounts.admin import HistoryAdmin
from kefu.customers.models import Contact, Customer, PhoneNumber, RevealLog
from kefu.lib import indexing
from kefu.lib.masking import mask_address, mask_id_number, mask_phone


class PhoneInline(admin.TabularInline):
    """Numbers shown masked; they are added and removed on the customer's edit page, which checks them."""

    model = PhoneNumber
    extra = 0
    fields = ["masked_number", "label", "is_primary"]
    readonly_fields = ["masked_number"]
    can_delete = False

    @admin.display(description=_("Phone number"))
    def masked_number(self, obj: PhoneNumber) -> str:
        return mask_phone(obj.number)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class IndexedAdmin(admin.ModelAdmin):
    """Admin saves and deletes report to the search index like the services do (``kefu.lib.indexing``)."""

    index_kind = ""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # the phone inline is saved by now
        indexing.changed(self.index_kind, form.instance.pk)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        pk = obj.pk
        super().delete_model(request, obj)
        indexing.changed(self.index_kind, pk)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        pks = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        indexing.changed_many(self.index_kind, pks)


@admin.register(Customer)
class CustomerAdmin(IndexedAdmin):
    """Names, tiers and notes are editable here; phone, ID numbers and the address only on the customer page.

    Search matches whole phone numbers only (``=``), never part of one: a partial
    match would tell hidden digits.
    """

    index_kind = indexing.CUSTOMER
    list_display = ["name", "tier", "segment", "persona", "customer_since"]
    list_filter = ["tier", "persona"]
    search_fields = ["name", "=phones__number"]
    fields = [
        "name", "tier", "segment", "persona", "customer_since", "account_manager", "note",
        "masked_id_number", "masked_address", "reveal_link",
    ]
    readonly_fields = ["masked_id_number", "masked_address", "reveal_link"]
    inlines = [PhoneInline]
    raw_id_fields = ["account_manager"]

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj: Customer) -> str:
        return mask_id_number(obj.id_number) if obj.id_number else "—"

    @admin.display(description=_("Address"))
    def masked_address(self, obj: Customer) -> str:
        return mask_address(obj.address) or "—"

    @admin.display(description=_("Full values"))
    def reveal_link(self, obj: Customer) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("customers:detail", args=[obj.pk]),
            _("Reveal on the customer page (logged, with a reason)"),
        )


@admin.register(Contact)
class ContactAdmin(IndexedAdmin):
    index_kind = indexing.CONTACT
    list_display = ["occurred_at", "channel", "category", "summary", "agent"]
    list_filter = ["channel", "category"]
    raw_id_fields = ["customer", "agent"]
    exclude = ["phone"]
    readonly_fields = ["masked_phone"]

    @admin.display(description=_("Phone number"))
    def masked_phone(self, obj: Contact) -> str:
        return mask_phone(obj.phone) if obj.phone else "—"


@admin.register(RevealLog)
class RevealLogAdmin(HistoryAdmin):
    """The PIPL audit trail: read-only; nobody adds, changes or deletes a row, administrators included."""

    list_display = ["at", "user", "customer", "field", "target", "reason"]
    list_filter = ["field"]
    readonly_fields = ["at", "user", "customer", "field", "target", "reason"]
