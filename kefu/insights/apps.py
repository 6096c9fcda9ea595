from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "kefu.insights"
    label = "insights"
    verbose_name = _("Insight")

    def ready(self) -> None:
        from kefu.accounts.roles import Cap
        from kefu.learning.registry import ModelKind
        from kefu.learning.registry import register as register_model

        register_model(ModelKind("complaint-classifier", _("Complaint classifier"), Cap.INSIGHT_VIEW))

        from kefu.insights import tasks
        from kefu.insights.harass_services import route_contact
        from kefu.jobs.registry import JobKind, register
        from kefu.lib import outcomes

        outcomes.subscribe(route_contact)
        register(JobKind("insights-refresh", _("Rebuild the report summaries"), tasks.refresh_job, Cap.INSIGHT_VIEW))
