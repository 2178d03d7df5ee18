"""The stats file: one SQLite row per routed request, written off the event loop.

Rows are keyed on the id the hook gives each routed request, never on LiteLLM's call id,
which the client chooses; a success replaces an earlier failure of the same request, never
the other way round. Files are created 0600 in 0700 folders, in WAL mode so ``slr stats``
can read while the proxy writes. One writer thread per file opens it (bringing its schema up
to date) and writes the rows in batches, so neither ever waits on the event loop.

The schema has a version (``PRAGMA user_version``) and an ordered list of migrations; files
of releases before the version was stamped have 0 and their version is read off the table.
A file newer than this code is refused, never written.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any, Iterable, Iterator

from .config import StatsSettings

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
# Migration n (1-based) takes a file from version n - 1 to n. Released files exist at every
# version: never edit one, append a new one.
MIGRATIONS = (
    # 1: the requests table, keyed on LiteLLM's call id
    """
    CREATE TABLE requests (
        call_id TEXT PRIMARY KEY, ts REAL NOT NULL, status TEXT NOT NULL, requested TEXT, profile TEXT,
        tier TEXT, score REAL, model TEXT, served TEXT, prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0, cost REAL, cost_source TEXT, baseline_model TEXT, baseline_cost REAL,
        reason TEXT
    );
    CREATE INDEX requests_ts ON requests (ts);
    """,
    # 2: rows keyed on the hook's own id, LiteLLM's call id kept beside it (old rows: id = call_id)
    """
    ALTER TABLE requests RENAME TO requests_v1;
    DROP INDEX IF EXISTS requests_ts;
    CREATE TABLE requests (
        id TEXT PRIMARY KEY, call_id TEXT, ts REAL NOT NULL, status TEXT NOT NULL, requested TEXT, profile TEXT,
        tier TEXT, score REAL, model TEXT, served TEXT, prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0, cost REAL, cost_source TEXT, baseline_model TEXT, baseline_cost REAL,
        reason TEXT
    );
    CREATE INDEX requests_ts ON requests (ts);
    CREATE INDEX requests_call_id ON requests (call_id);
    INSERT INTO requests (id, call_id, ts, status, requested, profile, tier, score, model, served, prompt_tokens,
                          completion_tokens, cost, cost_source, baseline_model, baseline_cost, reason)
        SELECT call_id, call_id, ts, status, requested, profile, tier, score, model, served, prompt_tokens,
               completion_tokens, cost, cost_source, baseline_model, baseline_cost, reason FROM requests_v1;
    DROP TABLE requests_v1;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
UPSERT = (
    f"INSERT INTO requests ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS[1:])} "
    "WHERE excluded.status = 'ok' OR requests.status = 'error'"
)


class NewerSchemaError(Exception):
    """The file was written by a newer smart-llm-router: it is neither read nor written."""

    def __init__(self, path: Path, found: int):
        super().__init__(
            f"{path} has stats schema version {found}, newer than the {SCHEMA_VERSION} this smart-llm-router "
            "knows: upgrade smart-llm-router, or use another stats file"
        )


def db_path(settings: StatsSettings) -> Path:
    """The database file: config ``stats.path``, else ``$SMART_ROUTER_STATS_DB``, else ~/.smart-router/stats.db."""
    return Path(settings.path or os.environ.get(DB_ENV) or DEFAULT_DB).expanduser()


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed: folders 0700, file 0600) a stats database in WAL mode, migrated
    to ``SCHEMA_VERSION``; NewerSchemaError for a file of a newer release.

    May wait on the disk or another process's lock: call it off the event loop."""
    _private_folder(path.parent)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))  # SQLite gives -wal / -shm the same mode
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    try:
        version(conn, path)  # a newer release's file is refused before anything is written to it
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def open_for_reading(path: Path) -> sqlite3.Connection:
    """An existing stats file as it is, never migrated nor written; NewerSchemaError for a newer release's file."""
    if not path.is_file():
        raise FileNotFoundError(f"no statistics at {path} (the proxy writes them once it has routed a request)")
    conn = sqlite3.connect(str(path), timeout=30)
    try:
        version(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def version(conn: sqlite3.Connection, path: Path) -> int:
    """The file's schema version: ``user_version``, or for files of releases that did not set it
    (0) what the table looks like: none 0, keyed on call_id 1, on id 2. Newer than known: NewerSchemaError."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if not found:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(requests)")}
        found = 2 if "id" in columns else 1 if columns else 0
    if found > SCHEMA_VERSION:
        raise NewerSchemaError(path, found)
    return found


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Apply the migrations the file lacks, one transaction each, and stamp ``user_version``."""
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    while True:
        with _transaction(conn):  # read under the write lock: two processes never both migrate
            found = version(conn, path)
            if found < SCHEMA_VERSION:
                _run_script(conn, MIGRATIONS[found])
                found += 1
            conn.execute(f"PRAGMA user_version = {found}")
        if found == SCHEMA_VERSION:
            return


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run the statements of ``script`` in the open transaction (``executescript`` would commit it)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


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
    with _transaction(conn):
        conn.executemany(UPSERT, [astuple(r) for r in rows])


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
        locked or unwritable file, or one of a newer release): that batch is dropped, logged
        once, and the next one tries again."""
        if self._conn is None:
            try:
                self._conn = connect(self.path)
            except (OSError, sqlite3.Error, NewerSchemaError) as exc:
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
