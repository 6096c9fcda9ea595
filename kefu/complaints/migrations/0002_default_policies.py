"""Seed the admin-editable SLA policies and approval limits with Kefu's defaults."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kefu.complaints.sla import DEFAULT_STEP_HOURS, default_rule

    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    ApprovalLimit = apps.get_model("complaints", "ApprovalLimit")
    for regulator in (False, True):
        for state in ["", *DEFAULT_STEP_HOURS]:
            rule = default_rule(state=state, severity="normal", regulator=regulator)
            SlaPolicy.objects.get_or_create(
                state=state, severity="", regulator=regulator, defaults={"hours": rule.hours, "clock": rule.clock}
            )
    for role, amount in (("supervisor", Decimal(500)), ("manager", Decimal(5000)), ("admin", None)):
        ApprovalLimit.objects.get_or_create(role=role, defaults={"max_amount": amount})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
