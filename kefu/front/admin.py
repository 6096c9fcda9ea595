"""The admin site's own texts: Kefu's name instead of Django's."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Kefu administration")
admin.site.site_title = _("Kefu administration")
