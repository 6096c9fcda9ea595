import json

import pytest

from kefu.complaints.tests.api_client import Api
from kefu.complaints.tests.test_api_process import NEW
from kefu.search.tests.test_search_page import record

pytestmark = pytest.mark.django_db

def test_probe(cast, customer):
    api = Api(cast["agent"])
    c = record(cast)
    h = Api(cast["handler"])
    cases = [
        h.post(f"/complaints/{c.pk}/accept", {"expected_version": "latest"}),
        h.post(f"/complaints/{c.pk}/accept", {}),
        api.post("/complaints", {"channel": "hotline"}),
        api.post("/complaints", {**NEW, "channel": "carrier-pigeon"}),
        api.post("/complaints", {**NEW, "received_at": "yesterday"}),
        api.post("/complaints", {**NEW, "content": "长" * 140000}),
        api.post("/complaints", {**NEW, "complainant_name": 5}),
        api.post("/complaints", {**NEW, "extra_field": 5}),
        api.get("/complaints", state="nope"),
        api.get("/contacts", date_to="9999-12-31"),
        api.get("/complaints", page="x"),
        api.client.post("/api/v1/complaints", "{not json", content_type="application/json"),
        api.client.post("/api/v1/complaints", "[1,2]", content_type="application/json"),
    ]
    for r in cases:
        print(r.status_code, json.dumps(r.json(), ensure_ascii=False)[:400])
