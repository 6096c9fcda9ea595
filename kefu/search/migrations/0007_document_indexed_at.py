"""When each index entry was written, so the reconciliation can find entries older than their record.

SQLite rebuilds the table to add a column, which its full-text views and triggers would block:
they are dropped first and rebuilt after (PostgreSQL adds the column in place)."""

import django.db.models.functions.datetime
from django.db import migrations, models


def _sqlite_drop_fulltext(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kefu.search import backends

    if schema_editor.connection.vendor == "sqlite":
        backends.uninstall(schema_editor.connection)


def _sqlite_rebuild_fulltext(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kefu.search import backends

    if schema_editor.connection.vendor == "sqlite":
        backends.rebuild(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0006_customer_names_in_pinyin"),
    ]

    operations = [
        migrations.RunPython(_sqlite_drop_fulltext, _sqlite_rebuild_fulltext),
        migrations.AddField(
            model_name="document",
            name="indexed_at",
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
        ),
        migrations.RunPython(_sqlite_rebuild_fulltext, _sqlite_drop_fulltext),
    ]
