from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kefu.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from kefu.lib import indexing
        from kefu.search import services

        indexing.subscribe(services.on_changed)

        from django.utils.translation import gettext_lazy as _

        from kefu.accounts.roles import Cap
        from kefu.jobs.registry import JobKind, register
        from kefu.search import tasks

        register(JobKind("search-reindex", _("Rebuild the search index"), tasks.reindex_job, Cap.ADMIN))
