from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kefu.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from kefu.lib import indexing
        from kefu.search import services

        indexing.subscribe(services.on_changed)
