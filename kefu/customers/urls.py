"""Customer profiles: /customers/…"""

from __future__ import annotations

from django.urls import path

from kefu.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="new"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/phones/<int:phone_pk>/reveal/", views.reveal_phone, name="reveal_phone"),
    path("<int:pk>/id-number/reveal/", views.reveal_id_number, name="reveal_id_number"),
    path("<int:pk>/address/reveal/", views.reveal_address, name="reveal_address"),
]
