from django.contrib import admin
from django.urls import include, path

from kefu.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("customers/", include("kefu.customers.urls")),
    path("contacts/", include("kefu.customers.contact_urls")),
    path("complaints/", include("kefu.complaints.urls")),
    path("search/", include("kefu.search.urls")),
    path("knowledge/", include("kefu.knowledge.urls")),
    path("notifications/", include("kefu.notifications.urls")),
    path("jobs/", include("kefu.jobs.urls")),
    path("quality/", include("kefu.quality.urls")),
    path("training/", include("kefu.training.urls")),
    path("onsite/", include("kefu.fieldservice.urls")),
    path("surveys/", include("kefu.surveys.urls")),
    path("s/", include("kefu.surveys.public_urls")),  # the customer's survey link, no login
    path("insights/", include("kefu.insights.urls")),
    path("", include("kefu.front.urls")),
]
