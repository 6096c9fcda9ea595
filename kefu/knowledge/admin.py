from django.contrib import admin

from kefu.knowledge.models import AssistSession, AssistTurn, KnowledgeEntry, KnowledgeRevision


class RevisionInline(admin.TabularInline):
    model = KnowledgeRevision
    extra = 0
    can_delete = False
    readonly_fields = ["version", "action", "actor", "at", "comment", "data"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin):
    """Read-only: edits go through the phrasebook pages or API so they are validated and get history."""

    list_display = ["entry_id", "kind", "title", "is_active", "version", "updated_by", "updated_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["entry_id", "title"]
    readonly_fields = [f.name for f in KnowledgeEntry._meta.fields]
    inlines = [RevisionInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # deleting would take the revision history with it; archive instead


class TurnInline(admin.TabularInline):
    model = AssistTurn
    extra = 0
    can_delete = False
    readonly_fields = ["seq", "speaker", "text", "at"]


@admin.register(AssistSession)
class AssistSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "agent", "channel", "persona", "created_at"]
    list_filter = ["channel"]
    raw_id_fields = ["agent", "customer", "complaint"]
    inlines = [TurnInline]
