from django.urls import include, path

from kefu.quality import report_views, views

app_name = "quality"

urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.review_act, name="act"),
    path("reviews/", views.review_queue, name="reviews"),
    path("calibration/", include("kefu.quality.calibration_urls")),
    path("report/", report_views.report, name="report"),
]
