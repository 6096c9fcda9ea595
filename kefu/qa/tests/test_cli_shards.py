"""``kefu qa score`` over several shards, and what it says when it cannot run.

The Ray job itself is tested in test_ray.py; these need no Ray.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kefu.qa import cli, raybatch
from kefu.qa.cli import main
from kefu.qa.shards import ShardError
from kefu.qa.synth import hotline_calls
from kefu.qa.tests.helpers import conv

GOOD = json.dumps(conv("A:您好", "C:谢谢"), ensure_ascii=False)


def write_calls(path: Path, first: int, count: int) -> Path:
    calls = hotline_calls(first + count, seed=4)[first:]
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in calls), encoding="utf-8")
    return path


@pytest.fixture
def shards(tmp_path: Path) -> list[Path]:
    return [write_calls(tmp_path / f"day-{i}.jsonl", 3 * i, 3) for i in range(3)]


def test_shards_are_scored_in_the_order_given_into_one_output(
    shards: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = write_calls(tmp_path / "whole.jsonl", 0, 9)
    assert main(["score", str(whole)]) == 0
    expected = capsys.readouterr().out
    assert main(["score", *map(str, shards)]) == 0
    assert capsys.readouterr().out == expected
    assert main(["score", *map(str, reversed(shards))]) == 0
    ids = [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()]
    assert ids[:3] == ["call-00006", "call-00007", "call-00008"]


def test_a_bad_line_is_named_by_its_shard_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "a.jsonl"
    first.write_text(GOOD + "\n", encoding="utf-8")
    second = tmp_path / "b.jsonl"
    second.write_text(GOOD + "\n{not json\n", encoding="utf-8")
    assert main(["score", str(first), str(second), "--workers", "2"]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2
    assert err.splitlines() == [f"{second}: line 2: invalid JSON: Expecting property name enclosed in double quotes (column 2)",
                                "1 of 3 lines could not be scored"]


def test_a_missing_shard_stops_the_run_before_any_output(
    shards: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "day-9.jsonl"
    output = tmp_path / "out.jsonl"
    assert main(["score", str(shards[0]), str(missing), "--output", str(output)]) == 2
    assert capsys.readouterr().err == f"error: cannot read {missing}: No such file or directory\n"
    assert not output.exists()


def test_a_shard_that_fails_part_way_leaves_no_partial_output(
    shards: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "out.jsonl"
    output.write_text("yesterday's results\n", encoding="utf-8")
    real = cli.read_shard

    def vanishing(path: str) -> Iterator[tuple[int, str | None, str | None]]:
        if path == str(shards[2]):  # read after the first two were scored and written
            raise ShardError(path, "Input/output error")
        return real(path)

    monkeypatch.setattr(cli, "read_shard", vanishing)
    assert main(["score", *map(str, shards), "--output", str(output)]) == 2
    assert capsys.readouterr().err == f"error: cannot read {shards[2]}: Input/output error\n"
    assert output.read_text(encoding="utf-8") == "yesterday's results\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_completed_run_replaces_the_output_and_keeps_its_mode(shards: list[Path], tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    output.write_text("old\n", encoding="utf-8")
    output.chmod(0o640)
    assert main(["score", str(shards[0]), "--output", str(output)]) == 0
    assert len(output.read_text(encoding="utf-8").splitlines()) == 3
    assert output.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["day-0.jsonl", "day-1.jsonl", "day-2.jsonl", "out.jsonl"]


def test_ray_without_ray_installed_is_one_line(
    shards: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(raybatch, "ray_installed", lambda: False)
    output = tmp_path / "out.jsonl"
    assert main(["score", str(shards[0]), "--ray", "--output", str(output)]) == 2
    assert capsys.readouterr().err == "error: --ray needs Ray, which is not installed: pip install 'kefu[ray]'\n"
    assert not output.exists()


def test_an_unreachable_ray_address_is_one_line(
    shards: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(raybatch, "ray_installed", lambda: True)
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    output = tmp_path / "out.jsonl"
    assert main(["score", *map(str, shards), f"--ray=127.0.0.1:{port}", "--output", str(output)]) == 2
    assert capsys.readouterr().err == f"error: no Ray cluster at 127.0.0.1:{port}: Connection refused\n"
    assert not output.exists()


def test_a_shard_taken_for_the_ray_address_is_explained(shards: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--ray", str(shards[0]), str(shards[1])]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --ray took '{shards[0]}' as the Ray address: put the shards before --ray")
    assert err.count("\n") == 1


def test_stdin_is_a_single_input(shards: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "-", str(shards[0])]) == 2
    assert capsys.readouterr().err == "error: '-' (stdin) cannot be combined with other inputs\n"
    assert main(["score", str(shards[0]), "--workers", "0"]) == 2
    assert capsys.readouterr().err == "error: --workers must be at least 1\n"


def test_a_parquet_shard_scores_as_its_json_lines_do(
    shards: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pa = pytest.importorskip("pyarrow", reason="Parquet needs pyarrow (pip install 'kefu[ray]')")
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in shards[1].read_text(encoding="utf-8").splitlines()]
    parquet = tmp_path / "day-1.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    assert main(["score", str(shards[0]), str(shards[1]), "--format", "table"]) == 0
    expected = capsys.readouterr().out
    assert main(["score", str(shards[0]), str(parquet), "--format", "table"]) == 0
    assert capsys.readouterr().out == expected


def test_a_file_that_is_not_parquet_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow", reason="Parquet needs pyarrow (pip install 'kefu[ray]')")
    fake = tmp_path / "day.parquet"
    fake.write_text(GOOD + "\n", encoding="utf-8")
    assert main(["score", str(fake)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot read {fake}: not a Parquet file (") and err.count("\n") == 1
