"""``kefu knowledge-import``: files go through the import service, with the user on the history."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kefu.knowledge.models import KnowledgeRevision

pytestmark = pytest.mark.django_db

GOOD = """entries:
  - id: acme.deposit_refund
    kind: script
    title: 押金退还
    cites: [complaint.authority]
    tags: [押金]
    situations: [客户要求退押金]
    text: 押金会在三个工作日内退回。
    example: 坐席：押金会在三个工作日内退回您的账户。
"""


def test_it_imports_a_file_naming_the_user(cast, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ops.yaml"
    path.write_text(GOOD, encoding="utf-8")
    out = StringIO()
    call_command("knowledge_import", str(path), "--user", "supervisor", stdout=out)
    assert "imported 1 entries" in out.getvalue()
    assert KnowledgeRevision.objects.get().actor == cast["supervisor"]


def test_it_refuses_users_without_the_right_and_bad_files(cast, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ops.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("knowledge_import", str(path), "--user", "agent")
    path.write_text(GOOD.replace("tags: [押金]", "tags: []"), encoding="utf-8")
    with pytest.raises(CommandError, match="标签"):
        call_command("knowledge_import", str(path), "--user", "supervisor")
    assert KnowledgeRevision.objects.count() == 0
