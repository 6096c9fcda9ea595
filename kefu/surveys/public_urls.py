"""The customer's survey link: no login, the signed token is the only key."""

from django.urls import path

from kefu.surveys import public_views

app_name = "survey_public"

urlpatterns = [
    path("<str:token>/", public_views.answer, name="answer"),
]
