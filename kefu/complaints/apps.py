from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "kefu.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from kefu.complaints import history, workbench
        from kefu.customers.selectors import register_history_source
        from kefu.front.workbench import register

        register_history_source(history.SOURCE)
        register(workbench.PANEL)
