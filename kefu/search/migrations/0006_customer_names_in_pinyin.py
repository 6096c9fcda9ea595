"""Customers' documents gain the pinyin spellings of the name (kefu.search.pinyin): rewrite them.

Only the customer documents are rewritten, in place; the full-text indexes follow through their
triggers (SQLite) or the generated column (PostgreSQL). Nothing to undo: older code ignores the
extra terms.
"""

from django.db import migrations


def rewrite_customer_documents(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kefu.search import services

    services.refresh(kind="customer")


class Migration(migrations.Migration):
    atomic = False  # each chunk commits on its own (services.refresh)

    dependencies = [
        ("search", "0005_sqlite_fts_per_kind"),
        ("customers", "0005_chinese_field_names"),
    ]

    operations = [migrations.RunPython(rewrite_customer_documents, migrations.RunPython.noop)]
