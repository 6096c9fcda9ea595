from django.urls import path

from kefu.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("complaints/", views.drill, name="drill"),
    path("casebook/", views.casebook, name="casebook"),
    path("report/", views.report, name="report"),
    path("refresh/", views.refresh, name="refresh"),
]
