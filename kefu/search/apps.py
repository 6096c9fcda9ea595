from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kefu.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from kefu.search import receivers

        receivers.connect()
