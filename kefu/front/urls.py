"""URLs of the front app (the workbench, sign-in, password change, health); the root URLconf includes them at ``/`` (and Django's ``i18n/`` URLs for ``set_language``)."""

from __future__ import annotations

from django.urls import path

from kefu.front import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("healthz", views.healthz, name="healthz"),
]
