"""Re-scoring an archive on Ray (``kefu qa score --ray [ADDRESS] SHARD…``).

When a rulebook changes, months of stored conversations are scored again.
This runs the same pure engine as a Ray Data job:

    read_binary_files(shards)            one row per shard file, in the order given
    → map_batches(_split_shard)          tasks: the shard's records (kefu.qa.shards)
    → map_batches(_ActorScorer,          actors: one RecordScorer each, its engine
                  ActorPoolStrategy)       built once, the scorecard formatted there
    → iter_batches()                     back in the driver, in input order

with ``preserve_order`` on, so the driver writes the results in the same
order, with the same bytes, as ``kefu qa score`` in one process. The order
is checked as results arrive; a job that breaks it fails rather than write
a scrambled file.

Ray is an optional extra (``pip install 'kefu[ray]'``) and imported only
here, only when ``--ray`` is used. Splitting a shard claims no CPU, so that
each CPU of the cluster can hold a scoring actor (otherwise the actors take
every CPU and the reading tasks wait for ever). A local instance (``--ray``
without an address) is started on the loopback interface only, without the
dashboard or usage reporting; a cluster's address is tried with a plain TCP
connection first, so an unreachable one is one line at once instead of Ray
retrying for minutes. Every node of a cluster needs the same kefu installed:
the actors import it, and check that their built-in rulebooks are the
driver's (an explicit ``--rulebook`` is compiled by the driver and shipped).
"""

from __future__ import annotations

import errno
import importlib.util
import logging
import os
import re
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Any

from kefu.qa.batch import RecordScorer, Result
from kefu.qa.rulebook import Rulebook, default_rulebooks
from kefu.qa.shards import Record, ShardError, shard_records

# A block of about this many bytes of conversations (≈150 hotline calls,
# well under a second of scoring) is the unit an actor takes at a time:
# small enough to share even one big shard among the actors.
BLOCK_BYTES = 512 * 1024
SPLIT_ROWS = 64  # records per table the splitter yields (Ray joins them into blocks)
SCORE_BATCH = 32  # records per call of an actor
READERS = 1  # tasks reading shards at once: splitting costs a hundredth of scoring, and each task is a process to start
CONNECT_TIMEOUT = 5.0  # seconds to reach a cluster's address before giving up


# Ray's switch for a single machine: node addresses on loopback (read when ray is imported).
_LOOPBACK_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


class RayJobError(Exception):
    """The Ray job could not run or failed: one line for the operator."""


def ray_installed() -> bool:
    return importlib.util.find_spec("ray") is not None


@dataclass(frozen=True, slots=True)
class ShardSpec:
    path: str  # absolute, as Ray's reader names it
    name: str  # as the operator wrote it, for messages


# --- the job's steps (run in Ray workers) ----------------------------------------------------


def _records_table(shard: int, records: list[Record]) -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "shard": pa.array([shard] * len(records), pa.int32()),
            "number": pa.array([r[0] for r in records], pa.int64()),
            "text": pa.array([r[1] for r in records], pa.string()),
            "reason": pa.array([r[2] for r in records], pa.string()),
        }
    )


def _split_shard(batch: Any, shards: dict[str, tuple[int, str]]) -> Iterator[Any]:
    """Each shard file of ``batch`` as tables of records, in order."""
    for path, data in zip(batch["path"].to_pylist(), batch["bytes"].to_pylist(), strict=True):
        index, name = shards.get(path) or shards["/" + path.lstrip("/")]
        records = shard_records(data, name)
        while chunk := list(islice(records, SPLIT_ROWS)):
            yield _records_table(index, chunk)


def _builtin_versions() -> dict[str, str]:
    return {book.name: book.version for book in default_rulebooks()}


class _ActorScorer:
    """A Ray Data actor: the engine is built once, when the actor starts."""

    def __init__(self, rulebook: Rulebook | None, fmt: str, emotion_per_turn: bool, versions: dict[str, str]) -> None:
        if rulebook is None and _builtin_versions() != versions:
            raise RuntimeError(
                "this Ray worker's kefu has other built-in rulebooks than the driver's: install the same kefu on every node"
            )
        self.score = RecordScorer(rulebook, fmt=fmt, emotion_per_turn=emotion_per_turn)

    def __call__(self, batch: Any) -> Any:
        records = zip(batch["number"].to_pylist(), batch["text"].to_pylist(), batch["reason"].to_pylist(), strict=True)
        results = [self.score(record) for record in records]
        table = _records_table(0, results)
        return table.set_column(0, "shard", batch["shard"])


# --- the driver -----------------------------------------------------------------------------


def _quiet_ray_data() -> None:
    """Ray Data logs every execution plan, and every failure with its
    traceback, on the console: the operator reads kefu's one-line messages
    there, and Ray's stay in its session logs (/tmp/ray/session_latest)."""
    for handler in logging.getLogger("ray.data").handlers:
        if handler.get_name() == "console":
            handler.setLevel(logging.CRITICAL)  # a failure comes back to kefu as an exception


def _check_reachable(address: str) -> None:
    """Fail at once, in one line, when nothing listens at HOST:PORT."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return  # "auto", or a form Ray reads itself
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
        raise RayJobError(f"no Ray cluster at {address}: {reason}") from None


def start_local(num_cpus: int | None) -> None:
    """Start a local Ray instance on the loopback interface only.

    Ray reads its node address mode when first imported, so this must run
    before anything else in the process imports ray.
    """
    if "ray" in sys.modules and os.environ.get(_LOOPBACK_ONLY) != "0":
        raise RayJobError("ray was imported before a local instance could be kept to the loopback interface")
    # Without this Ray binds to, and talks over, the machine's outward address.
    os.environ[_LOOPBACK_ONLY] = "0"
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    import ray

    ray.init(
        address="local", num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR
    )


@contextmanager
def ray_session(address: str | None, num_cpus: int | None) -> Iterator[None]:
    """Connected to Ray for the block: a new local instance (``address``
    None) or the cluster at ``address``; an instance this process already
    runs is used as it is, and left running."""
    if address is None and "ray" in sys.modules and sys.modules["ray"].is_initialized():
        yield
        return
    if address is not None:
        _check_reachable(address)
    try:
        if address is None:
            start_local(num_cpus)
        else:
            os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
            import ray

            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        what = f"connect to the Ray cluster at {address}" if address else "start a local Ray instance"
        raise RayJobError(f"cannot {what}: {_first_line(exc)}") from None
    import ray

    try:
        yield
    finally:
        ray.shutdown()


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _first_line(exc: BaseException) -> str:
    text = _ANSI.sub("", str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _reason(exc: BaseException) -> str:
    """One line for a failed job: the shard that could not be read, if that
    was it, else the first line of what went wrong in the worker."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        # Ray's RayTaskError(ShardError) is both, and prints as a traceback:
        # ask for the cause it carries first.
        cause = getattr(current, "cause", None)
        todo += [current.__context__, current.__cause__, cause]
        if type(current) is ShardError:
            return str(current)
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException):
        return f"the Ray job failed: {type(cause).__name__}: {_first_line(cause)}"
    return f"the Ray job failed: {_first_line(exc)}"


def score_shards(
    shards: list[ShardSpec], rulebook: Rulebook | None, *, fmt: str, emotion_per_turn: bool, actors: int | None
) -> Iterator[tuple[int, Result]]:
    """(shard index, result) for every record of ``shards``, in order.

    Call inside :func:`ray_session`. ``actors`` scoring actors (default: one
    per CPU of the cluster). Raises :class:`RayJobError`.
    """
    import ray
    import ray.data

    _quiet_ray_data()
    if actors is None:
        api: Any = ray  # cluster_resources() is untyped
        actors = max(1, int(api.cluster_resources().get("CPU", 1)))
    with _job_context():
        yield from _run(shards, rulebook, fmt=fmt, emotion_per_turn=emotion_per_turn, actors=actors)


@contextmanager
def _job_context() -> Iterator[None]:
    """Ray Data's settings for this job, then the caller's again."""
    import ray.data

    context = ray.data.DataContext.get_current()
    saved = (context.execution_options.preserve_order, context.enable_progress_bars, context.target_max_block_size)
    context.execution_options.preserve_order = True  # the results in input order
    context.enable_progress_bars = False
    context.target_max_block_size = BLOCK_BYTES
    try:
        yield
    finally:
        (context.execution_options.preserve_order, context.enable_progress_bars, context.target_max_block_size) = saved


def _run(
    shards: list[ShardSpec], rulebook: Rulebook | None, *, fmt: str, emotion_per_turn: bool, actors: int
) -> Iterator[tuple[int, Result]]:
    import ray.data

    versions = _builtin_versions() if rulebook is None else {}
    index = {spec.path: (i, spec.name) for i, spec in enumerate(shards)}
    last = (-1, 0)
    batch: Any
    try:
        dataset = (
            ray.data.read_binary_files(
                [spec.path for spec in shards], include_paths=True, num_cpus=0, concurrency=READERS
            )
            .map_batches(partial(_split_shard, shards=index), batch_size=None, batch_format="pyarrow", num_cpus=0)
            .map_batches(
                _ActorScorer,
                compute=ray.data.ActorPoolStrategy(size=actors),
                batch_size=SCORE_BATCH,
                batch_format="pyarrow",
                fn_constructor_kwargs={
                    "rulebook": rulebook, "fmt": fmt, "emotion_per_turn": emotion_per_turn, "versions": versions,
                },
                num_cpus=1,
            )
        )
        for batch in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
            columns = (batch[name].to_pylist() for name in ("shard", "number", "text", "reason"))
            for shard, number, text, reason in zip(*columns, strict=True):
                if (shard, number) <= last:
                    raise RayJobError(f"Ray returned results out of order ({shards[shard].name} {number} after {last})")
                last = (shard, number)
                yield shard, (number, text, reason)
    except RayJobError:
        raise
    except FileNotFoundError as exc:  # a shard gone since it was checked: Ray's reader lists the files first
        missing = str(exc.args[0]) if exc.args else "a shard"
        name = next((spec.name for spec in shards if spec.path == missing), missing)
        raise RayJobError(f"cannot read {name}: {os.strerror(errno.ENOENT)}") from None
    except Exception as exc:  # Ray wraps what failed in a worker in its own exception types
        raise RayJobError(_reason(exc)) from None
