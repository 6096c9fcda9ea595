from django.urls import path

from kefu.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.status, name="status"),
    path("<int:pk>/", views.detail, name="detail"),
    path("start/<slug:kind>/", views.start, name="start"),
]
