"""The OpenAPI document and the docs page, and a property-based run over every operation."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from kefu.complaints.tests.test_services import record, walk_to

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}
# The routers this suite owns; other apps' routers (knowledge, …) fuzz themselves, so a
# finding lands in the owner's tests and this run stays within seconds.
FUZZED = ("/me", "/departments", "/handlers", "/customers", "/contacts", "/complaints")


@pytest.fixture
def spec() -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(spec: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def test_the_openapi_document_is_served_and_describes_every_operation(spec):
    assert spec["openapi"].startswith("3.") and spec["info"]["title"] == "Kefu API"
    ops = list(operations(spec))
    assert len(ops) >= 20
    actions = {"accept", "reject", "assign", "analyse", "propose", "approve", "send-back", "implement",
               "follow-up", "review", "classify"}
    posted = {path.rsplit("/", 1)[-1] for path, method, _ in ops if method == "post"}
    assert actions <= posted
    ids = [op["operationId"] for _, _, op in ops]
    assert len(ids) == len(set(ids))
    for path, method, op in ops:
        assert op.get("summary"), f"{method} {path} has no summary"
        responses = op["responses"]
        assert any(code.startswith("2") for code in responses), f"{method} {path} documents no success"
        assert "401" in responses, f"{method} {path} does not document 401"
        for code, response in responses.items():
            assert "description" in response
            if code != "204":
                assert "application/json" in response.get("content", {}), f"{method} {path} {code} has no JSON body"
        assert {"TokenAuth": []} in op["security"] and {"SessionAuth": []} in op["security"]
        if "{complaint_id}/" in path and method == "post":
            body = op["requestBody"]["content"]["application/json"]["schema"]
            target = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
            assert "expected_version" in target["required"], f"{path} does not require expected_version"
            assert "409" in responses


def test_every_reference_in_the_document_resolves(spec):
    text = str(spec)
    for ref in set(re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", text)):
        assert ref in spec["components"]["schemas"], ref


def test_the_docs_page_works_offline(spec):
    html = Client().get("/api/v1/docs").content.decode()
    assert 'id="swagger-ui"' in html
    assert "://" not in html and "//cdn" not in html and "unpkg" not in html  # no external URL at all
    for asset in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert finders.find(asset), f"{asset} is not shipped"
    assert '"validatorUrl": null' in html  # the validator badge would call validator.swagger.io


# ---------------------------------------------------------------- property-based run


@pytest.mark.parametrize("role", ["supervisor", "agent", "account_manager"])
def test_generated_requests_get_documented_answers_and_never_a_server_error(cast, customer, api_fuzz, role):
    """As the probe did: three roles with different capabilities, every answer documented, no 5xx."""
    from kefu.accounts.models import User
    from kefu.accounts.roles import Role

    # Something to find: complaints at two steps (on SQLite ids 1 and 2, the documented path examples).
    record(cast, customer)
    walk_to(cast, record(cast), "pending_approval")
    user = cast.get(role) or User.objects.create_user(username="am", password="x", role=Role.ACCOUNT_MANAGER)
    failures = api_fuzz(user=user, prefixes=FUZZED)
    assert not failures, "\n\n".join(failures[:10])


def test_the_document_validates_against_the_openapi_meta_schema(spec):
    definitions = pytest.importorskip("schemathesis.specs.openapi.definitions")
    validator = {"3.0": definitions.OPENAPI_30_VALIDATOR, "3.1": definitions.OPENAPI_31_VALIDATOR}[spec["openapi"][:3]]
    errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}"[:300] for e in validator.iter_errors(spec)]
    assert not errors, "\n".join(errors[:10])
