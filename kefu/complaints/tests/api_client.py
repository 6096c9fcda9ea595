"""A small client for API tests: token auth as a given user, JSON in and out."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from kefu.accounts.models import User
from kefu.accounts.services import token_create

BASE = "/api/v1"


class Api:
    def __init__(self, user: User | None = None, *, key: str | None = None) -> None:
        if key is None and user is not None:
            _, key = token_create(user=user, name="test")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
        self.client = Client(**headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(BASE + path, params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(BASE + path, json.dumps(body or {}), content_type="application/json")


def as_(user: User) -> Api:
    return Api(user)
