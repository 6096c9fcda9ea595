from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "kefu.front"
    label = "front"
    verbose_name = "Front"
