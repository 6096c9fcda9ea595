from django.urls import path

from kefu.training import views

app_name = "training"

urlpatterns = [
    path("", views.index, name="index"),
    path("papers/", views.papers, name="papers"),
    path("papers/<int:pk>/", views.paper_detail, name="paper"),
    path("papers/<int:pk>/start/", views.paper_start, name="paper_start"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt"),
    path("attempts/<int:pk>/save/", views.attempt_save, name="attempt_save"),
    path("attempts/<int:pk>/answer/<str:item_id>/", views.attempt_answer, name="attempt_answer"),
    path("items/", views.items, name="items"),
    path("assign/", views.assign, name="assign"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("trainees/<int:pk>/", views.trainee_detail, name="trainee"),
    path("sparring/start/", views.session_start, name="session_start"),
    path("sparring/<int:pk>/", views.session_detail, name="session"),
    path("sparring/<int:pk>/say/", views.session_say, name="session_say"),
    path("sparring/<int:pk>/end/", views.session_end, name="session_end"),
    path("scenarios/", views.scenario_list, name="scenarios"),
    path("scenarios/new/", views.scenario_edit, name="scenario_new"),
    path("scenarios/<int:pk>/edit/", views.scenario_edit, name="scenario_edit"),
]
