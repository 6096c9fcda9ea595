from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "kefu.quality"
    label = "quality"
    verbose_name = _("Quality inspection")

    def ready(self) -> None:
        from kefu.accounts.roles import Cap
        from kefu.jobs.registry import JobKind, register
        from kefu.quality import tasks

        register(JobKind("quality-import", _("Import and score conversations"), tasks.import_job, Cap.QA_INSPECT))
