"""Cost and savings accounting: one SQLite row per routed request, written off the event loop.

The hook's log-event methods call ``record``: it reads the routing decision from the request
metadata, the tokens and LiteLLM's ``response_cost`` from the log event, prices the same
tokens on the baseline model (``smart_router.baseline_model``, else the requested profile's
REASONING model) and queues the row. One writer thread per database file drains the queue
in batches (WAL mode, so ``slr stats`` can read while the proxy writes) and flushes at exit.
Unknown prices are stored as NULL and reported as unknown, never as 0.

Rows are keyed on the id the hook gives each routed request (``metadata.smart_router.id``,
which clients cannot set: the hook drops any client copy), not on ``x-litellm-call-id``,
which the client chooses. Fallback attempts of one request share that id, so a request is
one row: a success replaces an earlier failure of the same request, never the other way
round. LiteLLM's call id is kept beside it for look-ups. Files are created 0600 in 0700
folders; opening the file, like every write, happens in the writer thread, never on the
event loop.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import sqlite3
import threading
import time
import uuid
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any, Iterable, Mapping

from .config import StatsSettings
from .engine import Engine
from .policy import printable
from .request import metadata_sections
from .types import EMBEDDING_TIER, METADATA_KEY, RoutingInfo, Tier

logger = logging.getLogger("smart_router")

DB_ENV = "SMART_ROUTER_STATS_DB"
DEFAULT_DB = "~/.smart-router/stats.db"
QUEUE_SIZE = 10_000  # rows waiting for the writer; beyond this rows are dropped and counted
BATCH_SIZE = 500


@dataclass(frozen=True)
class Row:
    """One routed request. Costs in USD; None where the price is unknown."""

    id: str  # the hook's own id of the request: one row per request
    call_id: str  # LiteLLM's call id (the client may choose it: never a key)
    ts: float
    status: str  # "ok" | "error"
    requested: str  # smart/<profile> as asked for
    profile: str  # the table that served it
    tier: str
    score: float | None
    model: str  # the routed model
    served: str | None  # the model group that answered (differs after a fallback)
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    cost_source: str | None  # "litellm" (its response_cost), "price list" (LiteLLM had none), None (unknown)
    baseline_model: str | None
    baseline_cost: float | None
    reason: str

    @property
    def fallback(self) -> bool:
        return self.served is not None and self.served != self.model

    def fields(self) -> dict[str, Any]:
        """The row for request metadata (LiteLLM's spend logs)."""
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"fallback": self.fallback}


COLUMNS = tuple(f.name for f in fields(Row))
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY, call_id TEXT, ts REAL NOT NULL, status TEXT NOT NULL, requested TEXT, profile TEXT,
    tier TEXT, score REAL, model TEXT, served TEXT, prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0, cost REAL, cost_source TEXT, baseline_model TEXT, baseline_cost REAL,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS requests_ts ON requests (ts);
CREATE INDEX IF NOT EXISTS requests_call_id ON requests (call_id);
"""
# files written before rows had their own id: the old table is copied over once, call_id as id
MIGRATE = f"""
BEGIN IMMEDIATE;
ALTER TABLE requests RENAME TO requests_v1;
DROP INDEX IF EXISTS requests_ts;
{SCHEMA}
INSERT INTO requests ({', '.join(COLUMNS)}) SELECT call_id, {', '.join(COLUMNS[1:])} FROM requests_v1;
DROP TABLE requests_v1;
COMMIT;
"""
UPSERT = (
    f"INSERT INTO requests ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS[1:])} "
    "WHERE excluded.status = 'ok' OR requests.status = 'error'"
)


# ---------------------------------------------------------------- rows from log events


def build_row(engine: Engine, info: RoutingInfo, kwargs: Mapping[str, Any], ok: bool) -> Row:
    """The row of one log event; ``info`` is the routing decision from the request metadata."""
    logged = kwargs.get("standard_logging_object") or {}
    params = kwargs.get("litellm_params") or {}
    prompt, completion = _int(logged.get("prompt_tokens")), _int(logged.get("completion_tokens"))
    served = logged.get("model_group") or (params.get("metadata") or {}).get("model_group")
    cost, source = actual_cost(engine, kwargs, served, prompt, completion) if ok else (None, None)
    baseline = baseline_model(engine, info, served)
    if info.tier == EMBEDDING_TIER or kwargs.get("cache_hit") is True:
        baseline_cost = cost  # embeddings have no tiers, cache hits were not saved by routing: no savings claimed
    else:
        baseline_cost = engine.catalog.get(baseline).cost(prompt, completion) if baseline and ok else None
    call_id = str(kwargs.get("litellm_call_id") or params.get("litellm_call_id") or "")
    return Row(
        id=info.id or call_id or uuid.uuid4().hex,
        call_id=printable(call_id),
        ts=time.time(),
        status="ok" if ok else "error",
        requested=printable(info.requested.lower()),
        profile=info.profile,
        tier=info.tier,
        score=info.score,
        model=info.model,
        served=str(served) if served else None,
        prompt_tokens=prompt,
        completion_tokens=completion,
        cost=cost,
        cost_source=source,
        baseline_model=baseline,
        baseline_cost=baseline_cost,
        reason=printable(info.reason),
    )


def actual_cost(
    engine: Engine, kwargs: Mapping[str, Any], served: Any, prompt: int, completion: int
) -> tuple[float | None, str | None]:
    """The request's cost and where it came from: LiteLLM's ``response_cost``, else the price list.

    LiteLLM logs $0 when it has no price for the deployment (and for mock answers), so a 0
    for billed tokens that is not a cache hit is replaced by the served model's list price
    (``model_info`` / ``base_model``), which is also what the baseline is priced with. A
    model without a known price stays unknown (None), never 0.
    """
    cost = kwargs.get("response_cost")
    priced = isinstance(cost, (int, float)) and not isinstance(cost, bool) and not kwargs.get("response_cost_failure_debug_information")
    if priced and (cost != 0 or prompt + completion == 0 or kwargs.get("cache_hit") is True):
        return float(cost), "litellm"
    estimate = engine.catalog.get(str(served or "")).cost(prompt, completion)
    return (estimate, "price list") if estimate is not None else (None, None)


def baseline_model(engine: Engine, info: RoutingInfo, served: Any = None) -> str | None:
    """What the request is compared with: the configured baseline, else the profile's top tier."""
    if info.tier == EMBEDDING_TIER:
        return str(served or info.model or "") or None
    if engine.config.stats.baseline_model:
        return engine.config.stats.baseline_model
    try:
        profile = engine.config.profile(info.requested or info.profile)
    except ValueError:
        return None
    return profile.tiers[Tier.REASONING].model


def annotate(engine: Engine, info: RoutingInfo | None, kwargs: Mapping[str, Any], ok: bool = True) -> Row | None:
    """Build the row and put it into the request's ``spend_logs_metadata`` (LiteLLM's spend logs)."""
    if not info:
        return None
    row = build_row(engine, info, kwargs, ok)
    for section in metadata_sections(kwargs.get("litellm_params")):
        if METADATA_KEY in section:
            existing = section.get("spend_logs_metadata")
            section["spend_logs_metadata"] = {**(existing if isinstance(existing, dict) else {}), METADATA_KEY: row.fields()}
    return row


def record(engine: Engine, info: RoutingInfo | None, kwargs: Mapping[str, Any], ok: bool) -> Row | None:
    """Annotate and queue the row of a routed request; None for requests we did not route."""
    row = annotate(engine, info, kwargs, ok)
    recorder = recorder_for(db_path(engine.config.stats)) if row and engine.config.stats.enabled else None
    if recorder is not None:
        recorder.add(row)
    return row


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


# ---------------------------------------------------------------- storage


def db_path(settings: StatsSettings) -> Path:
    """The database file: config ``stats.path``, else ``$SMART_ROUTER_STATS_DB``, else ~/.smart-router/stats.db."""
    return Path(settings.path or os.environ.get(DB_ENV) or DEFAULT_DB).expanduser()


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed: folders 0700, file 0600) a stats database in WAL mode.

    May wait on the disk or another process's lock: call it off the event loop."""
    _private_folder(path.parent)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))  # SQLite gives -wal / -shm the same mode
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    columns = {r[1] for r in conn.execute("PRAGMA table_info(requests)")}
    conn.executescript(MIGRATE if columns and "id" not in columns else SCHEMA)
    return conn


def _private_folder(folder: Path) -> None:
    """Create ``folder`` and missing parents as 0700 (existing folders are left as they are)."""
    if not folder.exists():
        _private_folder(folder.parent)
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass


def write(conn: sqlite3.Connection, rows: Iterable[Row]) -> None:
    """Upsert rows in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(UPSERT, [astuple(r) for r in rows])
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class Recorder:
    """A bounded queue drained by one daemon thread that writes batches; flushed at exit."""

    def __init__(self, path: Path, queue_size: int = QUEUE_SIZE):
        self.path = path
        self.dropped = 0
        self.failed = False
        self._conn: sqlite3.Connection | None = None  # opened by the writer thread: may wait on locks
        self._queue: queue.Queue[Row | None] = queue.Queue(queue_size)
        self._thread = threading.Thread(target=self._run, name=f"smart-router-stats:{path.name}", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def add(self, row: Row) -> None:
        """Queue a row without blocking; a full queue drops it (counted, logged)."""
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                logger.warning("smart_router stats: writer behind, %d rows dropped so far (%s)", self.dropped, self.path)

    def flush(self) -> None:
        """Block until every queued row is written."""
        self._queue.join()

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=30)

    def _open(self) -> bool:
        """Connect on first use, in the writer thread. False when the file cannot be opened (a
        locked or unwritable file): that batch is dropped, logged once, and the next one tries again."""
        if self._conn is None:
            try:
                self._conn = connect(self.path)
            except (OSError, sqlite3.Error) as exc:
                if not self.failed:
                    logger.error("smart_router stats: cannot open %s: %s; cost accounting is off until it can", self.path, exc)
                self.failed = True
        return self._conn is not None

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < BATCH_SIZE:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [r for r in batch if r is not None]
            try:
                if rows and self._open():
                    write(self._conn, rows)
            except Exception as exc:  # the writer must outlive any one bad batch
                logger.error("smart_router stats: %d rows not written to %s: %s", len(rows), self.path, exc)
            for _ in batch:
                self._queue.task_done()
            if len(rows) < len(batch):
                if self._conn is not None:
                    self._conn.close()
                return


_recorders: dict[Path, Recorder] = {}
_recorders_lock = threading.Lock()


def recorder_for(path: Path) -> Recorder:
    """The one recorder of ``path`` in this process (no I/O here: the writer thread opens the file)."""
    with _recorders_lock:
        if path not in _recorders:
            _recorders[path] = Recorder(path)
        return _recorders[path]
