"""Rule points learned from rated conversations (kefu qa calibrate)."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import pytest
import yaml

from kefu.qa import Engine, load_rulebook
from kefu.qa.cli import main
from kefu.qa.evaluate import evaluate_dialogues
from kefu.qa.learn import (
    NOTE_END,
    NOTE_START,
    LabelError,
    calibrate,
    compliance_scores,
    outcome_matrix,
    rated_from_record,
    read_rated,
    rewrite_points,
    write_calibrated,
)
from kefu.qa.model import parse_conversation
from kefu.qa.rulebook import BUILTIN_DIR
from kefu.qa.tests import rated as synth

SHARED = Path(__file__).resolve().parents[3].parent / "shared"


def need(part: str) -> Path:
    path = SHARED / part / "dialogues.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not present: rated dialogues live in ../shared/{part} beside the repository")
    return path


def thanks_matters(n: int = 160, seed: int = 0) -> list[dict[str, object]]:
    """Rated conversations whose raters cared about one thing only: whether the
    agent thanked the customer at the end (which the chat rulebook weighs little)."""
    convs = synth.conversations(n, seed)
    noise = random.Random(seed + 1)
    ratings = [(1.0 if c["meta"]["thanked"] else -1.0) + noise.gauss(0, 0.3) for c in convs]  # type: ignore[index]
    return synth.rated(convs, {"S": ratings})


@pytest.mark.parametrize("name", ["chat", "chat+complaint"])
def test_scores_under_other_points_are_what_the_engine_gives(name: str) -> None:
    book = load_rulebook(name)
    convs = [parse_conversation(c) for c in synth.conversations(80)]
    outcomes = outcome_matrix(book, convs)
    rng = random.Random(3)
    for points in ([r.points for r in book.rules], [rng.randint(1, 100) for _ in book.rules]):
        rules = tuple(dataclasses.replace(r, points=p) for r, p in zip(book.rules, points, strict=True))
        reweighted = dataclasses.replace(book, rules=rules)
        engine = Engine(reweighted)
        assert compliance_scores(book, outcomes, points) == [engine.score(c).score for c in convs]


def test_calibration_learns_the_rule_the_raters_cared_about() -> None:
    book = load_rulebook("chat")
    rated = [rated_from_record(r) for r in thanks_matters()]
    result = calibrate(book, rated, "S")
    assert "closing.thanks" in result.learned
    learned = {rid: result.points[rid] for rid in result.learned}
    assert learned["closing.thanks"] == max(learned.values()) > 2
    # Hand-set, the score barely tracks these raters (rho ≈ 0.05); learned, it does.
    assert np.mean(result.cv_before) < 0.2
    assert np.mean(result.cv_after) > 0.6


def test_calibrated_points_stay_explainable() -> None:
    book = load_rulebook("chat+complaint")
    rated = [rated_from_record(r) for r in thanks_matters()]
    result = calibrate(book, rated, "S")
    for rule in book.rules:
        assert 1 <= result.points[rule.id] <= 100  # a failure always costs
        if rule.id not in result.learned:
            assert result.points[rule.id] == rule.points
    # never failed here, so nothing to learn: the critical rule keeps its points
    assert "attitude.no_argue" not in result.learned
    counted = {r.id for r in book.rules if r.counted_in}
    assert counted and not counted & set(result.learned)


def test_a_conversation_without_the_rating_is_named(tmp_path: Path) -> None:
    records = thanks_matters(20)
    del records[7]["labels"]["quality"]["S"]  # type: ignore[index]
    path = synth.write_jsonl(tmp_path / "rated.jsonl", records)
    assert main(["calibrate", str(path), "--rulebook", "chat", "--output", str(tmp_path / "new.yaml")]) == 1
    with pytest.raises(LabelError, match="conversation s7: no rating S"):
        calibrate(load_rulebook("chat"), read_rated(path), "S")


def test_points_are_rewritten_line_by_line() -> None:
    text = "name: x\nrules:\n  # why this rule\n  - id: a.b\n    points: 5   # keep me\n    detect: {}\n  - id: c\n    points: 7\n"
    assert rewrite_points(text, {"a.b": 12}) == text.replace("points: 5", "points: 12")
    with pytest.raises(ValueError, match="no 'points:' line found for rule"):
        rewrite_points(text, {"missing": 3})


def _own_copy(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text((BUILTIN_DIR / f"{name}.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _body(text: str) -> list[str]:
    """The lines of a rulebook file after its calibration note."""
    return text[text.index(NOTE_END) + len(NOTE_END) + 1 :].splitlines() if NOTE_END in text else text.splitlines()


def test_calibrate_writes_a_new_rulebook_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _own_copy(tmp_path, "chat")
    before = source.read_bytes()
    data = synth.write_jsonl(tmp_path / "rated.jsonl", thanks_matters())
    out = tmp_path / "chat-calibrated.yaml"
    argv = ["calibrate", str(data), "--rulebook", str(source), "--output", str(out), "--attribution", "Ratings: ours."]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "5-fold cross-validated" in printed and "closing.thanks" in printed
    assert source.read_bytes() == before  # the input is never changed
    old, new = load_rulebook(str(source)), load_rulebook(str(out))
    assert new.version != old.version and f"version {new.version}" in printed
    assert [r.id for r in new.rules] == [r.id for r in old.rules]
    assert [r.critical for r in new.rules] == [r.critical for r in old.rules]
    assert {r.id: r.points for r in new.rules}["closing.thanks"] > 2
    # Only the points lines and the note at the top differ.
    text = out.read_text(encoding="utf-8")
    assert text.startswith(NOTE_START) and "Ratings: ours." in text and "label S: customer satisfaction" in text
    changed = [(a, b) for a, b in zip(_body(before.decode()), _body(text), strict=True) if a != b]
    assert changed and all(a.strip().startswith("points:") and b.strip().startswith("points:") for a, b in changed)
    # Calibrating the new version again replaces the note rather than adding one.
    assert main(["calibrate", str(data), "--rulebook", str(out), "--output", str(tmp_path / "again.yaml")]) == 0
    assert (tmp_path / "again.yaml").read_text(encoding="utf-8").count(NOTE_START) == 1


def test_calibrate_never_writes_over_the_rulebook_it_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _own_copy(tmp_path, "chat")
    before = source.read_bytes()
    data = synth.write_jsonl(tmp_path / "rated.jsonl", thanks_matters())
    assert main(["calibrate", str(data), "--rulebook", str(source), "--output", str(source)]) == 2
    assert "write the new version elsewhere" in capsys.readouterr().err
    assert source.read_bytes() == before


def test_a_composition_is_written_as_one_file_per_rulebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = thanks_matters()
    data = synth.write_jsonl(tmp_path / "rated.jsonl", records)
    out = tmp_path / "calibrated"
    assert main(["calibrate", str(data), "--output", str(out)]) == 0  # by channel: chat+complaint
    key = f"{out / 'chat.yaml'}+{out / 'complaint.yaml'}"
    assert f"--rulebook {key}" in capsys.readouterr().out
    book = load_rulebook(key)
    assert book.name == "chat+complaint" and book.version != load_rulebook("chat+complaint").version
    # The written rulebook scores as the calibration computed.
    rated = read_rated(data)
    result = calibrate(load_rulebook("chat+complaint"), rated, "S")
    assert {r.id: r.points for r in book.rules} == result.points
    convs = [r.conversation for r in rated]
    outcomes = outcome_matrix(book, convs)
    assert [Engine(book).score(c).score for c in convs] == compliance_scores(book, outcomes, [r.points for r in book.rules])
    assert main(["calibrate", str(data), "--output", str(tmp_path / "one.yaml")]) == 2  # a composition needs a directory


def test_the_built_in_rulebooks_carry_calibrated_points_with_attribution() -> None:
    for name in ("chat", "complaint"):
        text = (BUILTIN_DIR / f"{name}.yaml").read_text(encoding="utf-8")
        assert text.startswith(NOTE_START)
        assert "CC BY 4.0" in text and "Zeng, Luo, Shang, Li, Sakai" in text
        yaml.safe_load(text)


def test_the_shipped_points_agree_better_with_customers_satisfaction() -> None:
    # Hand-set, the points gave rho(score, S) 0.493 on these dialogues; the
    # shipped ones were learned on ../shared/train (see the note in chat.yaml).
    report = evaluate_dialogues(need("eval"))
    assert report.rho["S"] >= 0.56
    assert report.rho["A"] >= 0.50 and report.rho["E"] >= 0.49


def test_points_learned_on_training_dialogues_hold_on_evaluation_dialogues(tmp_path: Path) -> None:
    """Learned on ../shared/train, measured on ../shared/eval (never learned from)."""
    train, held_out = need("train"), need("eval")
    result = calibrate(load_rulebook("chat+complaint"), read_rated(train), "S")
    assert np.mean(result.cv_after) >= np.mean(result.cv_before) - 0.01  # already calibrated: no worse
    written = write_calibrated(result, tmp_path)
    report = evaluate_dialogues(held_out, "+".join(map(str, written)))
    assert report.rho["S"] >= 0.55
