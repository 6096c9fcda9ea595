"""``kefu qa score --ray`` on a local Ray instance gives the single process's bytes.

Runs when Ray is installed (``pip install 'kefu[ray]'``; ``make install`` does
it). The instance has 2 CPUs, no dashboard and listens on loopback only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kefu.qa import raybatch
from kefu.qa.cli import main
from kefu.qa.synth import hotline_calls
from kefu.qa.tests.helpers import conv

if not raybatch.ray_installed():
    pytest.skip("Ray is not installed (pip install 'kefu[ray]'): the --ray job is not tested", allow_module_level=True)

# Ray Data warns about its own deprecated settings when it copies its context.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*")

SHARDS = 3
PER_SHARD = 100


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    raybatch.start_local(num_cpus=2)  # ray.init(num_cpus=2, include_dashboard=False, …) on 127.0.0.1
    import ray

    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A few hundred synthetic calls in three shards; the second has bad lines."""
    folder = tmp_path_factory.mktemp("archive")
    calls = [json.dumps(c, ensure_ascii=False) for c in hotline_calls(SHARDS * PER_SHARD, seed=9)]
    paths = []
    for i in range(SHARDS):
        lines = calls[i * PER_SHARD : (i + 1) * PER_SHARD]
        if i == 1:
            lines[10:10] = ["{not json", json.dumps(conv("A:您好", "C:我要投诉"), ensure_ascii=False)]
        path = folder / f"2025-0{i + 1}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(args)
    return status, capsys.readouterr().err


def test_the_local_instance_talks_over_loopback_only(local_ray: None) -> None:
    import ray

    assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}


def test_ray_output_is_byte_for_byte_the_single_process_output(
    local_ray: None, archive: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, on_ray = tmp_path / "one.jsonl", tmp_path / "ray.jsonl"
    status, err = run(["score", *map(str, archive), "--output", str(one)], capsys)
    assert (status, err.splitlines()[-1]) == (1, "1 of 302 lines could not be scored")
    assert run(["score", *map(str, archive), "--ray", "--workers", "2", "--output", str(on_ray)], capsys) == (status, err)
    assert on_ray.read_bytes() == one.read_bytes()
    assert len(one.read_bytes().splitlines()) == 301


def test_other_formats_rulebooks_and_parquet_shards_match_too(
    local_ray: None, archive: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in archive[0].read_text(encoding="utf-8").splitlines()]
    parquet = tmp_path / "2025-01.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    shards = [str(parquet), str(archive[2])]
    common = ["--format", "table", "--rulebook", "hotline"]
    one, on_ray = tmp_path / "one.txt", tmp_path / "ray.txt"
    assert main(["score", *shards, *common, "--output", str(one)]) == 0
    assert main(["score", *shards, *common, "--ray", "--output", str(on_ray)]) == 0
    assert on_ray.read_bytes() == one.read_bytes()


def test_a_shard_gone_before_the_job_reads_it_leaves_no_output(
    local_ray: None, archive: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kefu.qa import cli

    monkeypatch.setattr(cli, "check_shard", lambda path: None)  # removed after the check, say
    output = tmp_path / "out.jsonl"
    gone = tmp_path / "2025-04.jsonl"
    status, err = run(["score", str(archive[0]), str(gone), "--ray", "--output", str(output)], capsys)
    assert status == 2
    assert err == f"error: cannot read {gone}: No such file or directory\n"
    assert list(tmp_path.iterdir()) == []
