"""On-site service pages, included at ``/onsite/``."""

from __future__ import annotations

from django.urls import path

from kefu.fieldservice import views

app_name = "fieldservice"

urlpatterns = [
    path("", views.index, name="index"),
    path("orders/", views.order_list, name="orders"),
    path("new/", views.order_new, name="new"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/call/", views.order_call, name="call"),
    path("orders/<int:pk>/phone/", views.reveal_phone, name="reveal_phone"),
    path("signatures/<int:pk>.png", views.signature_image, name="signature"),
    path("board/", views.dispatch_board, name="board"),
    path("board/assign/", views.board_assign, name="assign"),
    path("my/", views.my_day, name="my_day"),
    path("my/<int:pk>/", views.work, name="work"),
    path("my/<int:pk>/address/", views.reveal_address, name="reveal_address"),
    path("my/<int:pk>/<slug:kind>/", views.work_step, name="step"),
    path("sw.js", views.service_worker, name="sw"),
    path("c/<str:token>/", views.customer_link, name="customer_link"),
    path("follow-ups/", views.followups, name="followups"),
    path("counter/", views.counter, name="counter"),
    path("counter/<int:pk>/", views.counter_detail, name="counter_detail"),
    path("report/", views.report, name="report"),
]
