"""The REST API root: ``/api/v1/`` with OpenAPI at ``/api/v1/openapi.json`` and docs at ``/api/v1/docs``.

Each app contributes a ``router`` from its ``api`` module.
"""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="Kefu API", version="1.0", urls_namespace="api")
