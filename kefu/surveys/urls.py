from django.urls import path

from kefu.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("servqual/", views.servqual, name="servqual"),
    path("servqual/kiosk/", views.kiosk, name="kiosk"),
    path("management/", views.management, name="management"),
    path("gaps/", views.gaps, name="gaps"),
    path("gaps/sla/", views.sla_evidence, name="sla_evidence"),
]
