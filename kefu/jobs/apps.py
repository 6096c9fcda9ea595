from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "kefu.jobs"
    label = "jobs"
    verbose_name = _("Background work")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from kefu.jobs import schedules

        # The schedules exist as soon as the database does: a fresh `make demo` needs no extra step.
        post_migrate.connect(schedules.on_migrate, sender=self, dispatch_uid="kefu-jobs-schedules")
