from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldserviceConfig(AppConfig):
    name = "kefu.fieldservice"
    label = "fieldservice"
    verbose_name = _("On-site service")

    def ready(self) -> None:
        from kefu.customers.selectors import register_history_source
        from kefu.fieldservice import history
        from kefu.front.workbench import register

        register_history_source(history.SOURCE)
        register(history.PANEL)
