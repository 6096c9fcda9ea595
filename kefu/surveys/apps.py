from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "kefu.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self) -> None:
        from kefu.accounts.roles import Cap
        from kefu.jobs.registry import JobKind, register
        from kefu.lib import outcomes
        from kefu.surveys import services, tasks

        # Contacts logged, complaints closed and work orders finished plan their survey (no import of ours there).
        outcomes.subscribe(services.on_outcome)
        register(JobKind("surveys-send", _("Send due surveys and reminders"), tasks.send_job, Cap.SURVEY_MANAGE))
