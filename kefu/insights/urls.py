from django.urls import path

from kefu.insights import views, work_views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("complaints/", views.drill, name="drill"),
    path("casebook/", views.casebook, name="casebook"),
    path("report/", views.report, name="report"),
    path("refresh/", views.refresh, name="refresh"),
    path("agents/", views.agents, name="agents"),
    path("harassment/", work_views.harass_list, name="harass"),
    path("harassment/<int:pk>/", work_views.harass_change, name="harass_change"),
    path("harassment/queue/", work_views.harass_queue, name="harass_queue"),
    path("harassment/report/", work_views.harass_report, name="harass_report"),
    path("harassment/check/", work_views.harass_check, name="harass_check"),
    path("retention/", work_views.retention, name="retention"),
    path("retention/<int:customer_id>/", work_views.retention_act, name="retention_act"),
]
