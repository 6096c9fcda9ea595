from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldserviceConfig(AppConfig):
    name = "kefu.fieldservice"
    label = "fieldservice"
    verbose_name = _("On-site service")
