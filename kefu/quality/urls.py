from django.urls import include, path

from kefu.quality import lead_views, report_views, views

app_name = "quality"

urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.review_act, name="act"),
    path("reviews/", views.review_queue, name="reviews"),
    path("reviews/policy/", views.policy_set, name="policy"),
    path("calibration/", include("kefu.quality.calibration_urls")),
    path("report/", report_views.report, name="report"),
    path("rulebooks/", lead_views.rulebook_list, name="rulebooks"),
    path("rulebooks/new/", lead_views.rulebook_edit, name="rulebook_edit"),
    path("rulebooks/<int:pk>/", lead_views.rulebook_detail, name="rulebook"),
    path("rulebooks/<int:pk>/activate/", lead_views.rulebook_activate, name="rulebook_activate"),
    path("jobs/<slug:what>/", lead_views.start_job, name="start_job"),
    path("predictor/", lead_views.predictor, name="predictor"),
    path("predictor/<int:version>/activate/", lead_views.predictor_activate, name="predictor_activate"),
]
