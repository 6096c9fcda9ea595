"""Measurements against the shared evaluation data (skipped when absent).

These are the numbers the issue asks for; the data is read from
../shared/eval beside the repository and never copied or learnt from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.qa.evaluate import evaluate_dialogues, evaluate_emotion, human_agreement, spearman

EVAL = Path(__file__).resolve().parents[3].parent / "shared" / "eval"


def need(name: str) -> Path:
    path = EVAL / name
    if not path.exists():
        pytest.skip(f"{path} not present: evaluation data lives in ../shared/eval beside the repository")
    return path


def test_spearman_matches_known_values() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(4.5 / 22.5**0.5)  # tie-averaged ranks, as scipy.stats.spearmanr


def test_score_agrees_with_human_satisfaction() -> None:
    report = evaluate_dialogues(need("dialogues.jsonl"))
    assert report.n == 500
    assert report.rho["S"] >= 0.58  # the target (0.49 before calibration and the 追问/质问 rules)
    assert report.rho["A"] > 0.3 and report.rho["E"] > 0.3


def test_solution_signal_is_measured_against_nuggets() -> None:
    report = evaluate_dialogues(need("dialogues.jsonl"))
    assert report.support > 0
    assert 0 < report.precision <= 1 and 0 < report.recall <= 1


def test_emotion_model_accuracy_and_speed() -> None:
    report = evaluate_emotion(need("sentiment.jsonl"))
    assert report.accuracy >= 0.80
    # The target is 5,000/s on one core; the shared test machine is noisy, so
    # the test allows a margin and `kefu qa eval-emotion` reports the figure.
    assert report.per_second >= 2_500


def test_human_agreement_is_one_when_every_annotator_agrees() -> None:
    dists = [{"2": 0, "1": 0, "0": 3, "-1": 0}, {"2": 3, "1": 0, "0": 0, "-1": 0}, {"2": 0, "1": 0, "0": 0, "-1": 3}]
    assert human_agreement(dists, draws=5) == pytest.approx(1.0)


def test_human_agreement_falls_when_annotators_disagree() -> None:
    split = [{"2": 1, "-2": 1}, {"2": 1, "-2": 1}, {"1": 1, "-1": 1}, {"0": 2}]
    assert human_agreement(split, draws=50) < 0.5
    with pytest.raises(ValueError):
        human_agreement([{"1": 1}, {"2": 1}])


def test_report_gives_one_annotators_agreement_for_context() -> None:
    report = evaluate_dialogues(need("dialogues.jsonl"))
    assert report.annotators == 19
    assert set(report.human_rho) == {"A", "S", "E"}
    assert 0.2 < report.human_rho["S"] < 0.9
    assert any(line.startswith("one annotator vs the other 18") for line in report.lines())


def test_a_malformed_rating_distribution_drops_only_the_agreement_line(tmp_path) -> None:
    import json

    rows = [json.loads(line) for line in need("dialogues.jsonl").read_text(encoding="utf-8").splitlines()[:6]]
    rows[0]["labels"]["quality"]["S"]["dist"] = {"2": "many", "x": 3}
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    report = evaluate_dialogues(bad)
    assert report.n == 6 and "S" in report.rho
    assert "S" not in report.human_rho and set(report.human_rho) == {"A", "E"}
