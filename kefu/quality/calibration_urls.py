from django.urls import path

from kefu.quality import calibration_views as views

app_name = "calibration"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_create, name="new"),
    path("<int:pk>/", views.session_detail, name="session"),
    path("<int:pk>/close/", views.session_close, name="close"),
    path("<int:pk>/report/", views.session_report, name="report"),
    path("<int:pk>/<int:item_pk>/", views.item_score, name="score"),
]
