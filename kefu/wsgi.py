"""The WSGI application; importing it means the process is about to serve (a WSGI server's
worker, or runserver's serving child), so it also warms up the caches (``kefu.front.warmup``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
application = get_wsgi_application()

from kefu.front.warmup import on_server_start  # noqa: E402 - needs the configured application

on_server_start()
