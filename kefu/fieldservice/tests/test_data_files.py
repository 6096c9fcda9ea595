"""Checklists, scripts and the price list are data files validated at load, with file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.fieldservice import checklists
from kefu.fieldservice.checklists import DataError
from kefu.lib.norms import DEFAULT_NORMS, parse_norms


def test_the_shipped_files_load_and_cite_only_known_norms() -> None:
    if not DEFAULT_NORMS.is_file():
        pytest.skip("NORMS.md is not next to the repository")
    known = set(parse_norms(DEFAULT_NORMS.read_text(encoding="utf-8")))
    onsite = checklists.parse_checklist(checklists.DATA / "checklists.yaml", known=known)
    counter = checklists.parse_checklist(checklists.DATA / "counter.yaml", known=known)
    assert [s.key for s in onsite.stages] == ["prepare", "door", "enter", "work"]
    cited = {c for s in onsite.stages + counter.stages for i in s.items for c in i.cites}
    assert {"onsite.four_ones", "onsite.knock", "onsite.work_rules", "counter.seven_steps",
            "appearance.grooming", "appearance.posture", "counter.eye_smile", "complaint.venting_place"} <= cited


def test_the_door_checklist_carries_the_knock_timers() -> None:
    knock = checklists.onsite().stage("door").item("knock")  # type: ignore[union-attr]
    assert knock is not None and knock.timers == (30, 180)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "checklists.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_item_without_cites_is_reported_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: 1\nstages:\n  - key: a\n    title: 准备\n    cites: [onsite.tools]\n"
                            "    items:\n      - key: x\n        text: 工具\n")
    with pytest.raises(DataError, match=r"checklists.yaml:7: cites"):
        checklists.parse_checklist(path)


def test_an_unknown_norm_id_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: 1\nstages:\n  - key: a\n    title: 准备\n    cites: [onsite.tools]\n"
                            "    items:\n      - key: x\n        text: 工具\n        cites: [onsite.nope]\n")
    with pytest.raises(DataError, match=r":9: 'onsite.nope' is not in NORMS.md"):
        checklists.parse_checklist(path, known={"onsite.tools"})


def test_a_duplicate_item_key_is_refused(tmp_path: Path) -> None:
    item = "      - key: x\n        text: 工具\n        cites: [onsite.tools]\n"
    path = _write(tmp_path, "version: 1\nstages:\n  - key: a\n    title: 准备\n    cites: [onsite.tools]\n"
                            "    items:\n" + item + item)
    with pytest.raises(DataError, match=r":10: item 'x' is declared twice"):
        checklists.parse_checklist(path)


def test_broken_yaml_is_reported_not_raised_as_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"checklists.yaml:\d+: not valid YAML"):
        checklists.parse_checklist(_write(tmp_path, "version: 1\nstages: [\n"))


def test_a_price_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text("version: 1\nitems:\n  - code: a\n    name: 网线\n    amount: abc\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"prices.yaml:5: amount 'abc' is not a number"):
        checklists.parse_prices(path)


def test_the_script_names_the_customer_and_the_caller() -> None:
    script = checklists.scripts().scripts["fault"]
    text = checklists.fill(script.opening, {"greeting": "上午好", "customer": "张先生/女士", "company": "星河通信", "role": "客服代表",
                                            "me": "钱卫东", "badge": "XH21001", "equipment": "光猫"})
    assert "张先生/女士" in text and "钱卫东" in text and "XH21001" in text and "{" not in text
