import threading

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kefu.lib.env import env_bool


class KnowledgeConfig(AppConfig):
    name = "kefu.knowledge"
    label = "knowledge"
    verbose_name = _("Phrasebook")

    def ready(self) -> None:
        # The first assist in a process loads the emotion model, the QA draft rules and the
        # search index (about a second of CPU). Servers set KEFU_ASSIST_WARM_UP=1 so that
        # happens in the background at start-up instead of inside an agent's first turn.
        if env_bool("KEFU_ASSIST_WARM_UP", False):
            from kefu.phrasebook.assist import warm_up

            threading.Thread(target=warm_up, name="kefu-assist-warm-up", daemon=True).start()
