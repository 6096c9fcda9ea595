"""``kefu serve``: the production web server (gunicorn), static files from WhiteNoise.

Bind address and workers come from the environment: ``KEFU_BIND`` (default 127.0.0.1:8000),
``KEFU_WEB_WORKERS`` (default 2), ``KEFU_WEB_THREADS`` (default 4), ``KEFU_WEB_TIMEOUT`` (default 60 s).
The access log goes through the same masking filter as every other log (no phone or ID numbers).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.lib.env import EnvError, env_int, env_str


def gunicorn_options() -> dict[str, Any]:
    """The gunicorn settings from the environment (raises EnvError on a malformed value)."""
    return {
        "bind": env_str("KEFU_BIND", "127.0.0.1:8000"),
        "workers": env_int("KEFU_WEB_WORKERS", 2),
        "threads": env_int("KEFU_WEB_THREADS", 4),
        "timeout": env_int("KEFU_WEB_TIMEOUT", 60),
        "worker_class": "gthread",
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
        "logconfig_dict": {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"mask_pii": {"()": "kefu.lib.logmask.MaskPersonalNumbers"}},
            "handlers": {
                "console": {"class": "logging.StreamHandler", "filters": ["mask_pii"], "stream": "ext://sys.stdout"},
                "error_console": {"class": "logging.StreamHandler", "filters": ["mask_pii"], "stream": "ext://sys.stderr"},
            },
            "loggers": {
                "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
                "gunicorn.error": {"handlers": ["error_console"], "level": "INFO", "propagate": False},
            },
            "root": {"handlers": ["error_console"], "level": "WARNING"},
        },
    }


class Command(BaseCommand):
    help = "Serve Kefu with gunicorn (production). KEFU_BIND, KEFU_WEB_WORKERS, KEFU_WEB_THREADS, KEFU_WEB_TIMEOUT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-collectstatic", action="store_true", help="skip collecting static files first")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = gunicorn_options()
        except EnvError as exc:
            raise CommandError(str(exc)) from exc
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        from gunicorn.app.base import BaseApplication

        class KefuApplication(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                from kefu.wsgi import application

                return application

        self.stdout.write(f"Kefu on http://{config['bind']} ({config['workers']} workers, {settings.TIME_ZONE})")
        KefuApplication().run()
