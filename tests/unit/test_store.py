"""The stats file: private files, the writer thread, upserts, schema versions and upgrades of
files written by earlier releases (``tests/fixtures/stats``)."""

import json
import logging
import shutil
import sqlite3
import threading
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from smart_router import report, store
from smart_router.cli import main
from smart_router.config import StatsSettings

from ..fixtures.stats.make_fixture import NAMES, ROWS, T0
from .stats_samples import make_row

FIXTURES = Path(__file__).parent.parent / "fixtures" / "stats"


def user_version(path):
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


def test_recorder_writes_batches_from_many_threads(tmp_path):
    recorder = store.Recorder(tmp_path / "deep" / "stats.db")
    threads = [threading.Thread(target=lambda t=t: [recorder.add(make_row(f"{t}-{i}")) for i in range(250)]) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorder.flush()
    conn = sqlite3.connect(tmp_path / "deep" / "stats.db")
    assert conn.execute("SELECT COUNT(*) FROM requests").fetchone() == (2000,)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    recorder.close()
    assert recorder.dropped == 0


def test_success_replaces_failure_of_the_same_call_never_the_reverse(tmp_path):
    path = tmp_path / "stats.db"
    conn = store.connect(path)
    store.write(conn, [make_row("a", status="error", cost=None, baseline=None), make_row("b")])
    store.write(conn, [make_row("a", served="mid"), make_row("b", status="error", cost=None, baseline=None)])
    rows = dict(conn.execute("SELECT call_id, status || ':' || served FROM requests").fetchall())
    assert rows == {"a": "ok:mid", "b": "ok:cheap"}


def test_files_are_private_and_new_files_have_the_newest_schema(tmp_path):
    """Issue 16 #5: new files 0600 in 0700 folders."""
    path = tmp_path / "new" / "deeper" / "stats.db"
    store.write(store.connect(path), [make_row("a")])
    assert [oct(p.stat().st_mode & 0o777) for p in (path, path.parent, path.parent.parent)] == ["0o600", "0o700", "0o700"]
    assert user_version(path) == store.SCHEMA_VERSION == len(store.MIGRATIONS)


def test_close_flushes_what_is_queued(tmp_path):
    recorder = store.Recorder(tmp_path / "stats.db")
    for i in range(100):
        recorder.add(make_row(str(i)))
    recorder.close()
    assert sqlite3.connect(tmp_path / "stats.db").execute("SELECT COUNT(*) FROM requests").fetchone() == (100,)


def test_full_queue_drops_and_counts(tmp_path, monkeypatch):
    gate, write = threading.Event(), store.write
    monkeypatch.setattr(store, "write", lambda conn, rows: (gate.wait(), write(conn, rows)))
    recorder = store.Recorder(tmp_path / "stats.db", queue_size=1)
    for i in range(3):  # the stalled writer holds at most one row, the queue one more
        recorder.add(make_row(str(i)))
    assert recorder.dropped >= 1
    gate.set()
    recorder.close()
    written = sqlite3.connect(tmp_path / "stats.db").execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    assert written == 3 - recorder.dropped


def test_an_unopenable_file_is_logged_once_and_its_rows_dropped(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("")
    recorder = store.recorder_for(blocker / "stats.db")  # no I/O here: the writer thread finds out
    recorder.add(make_row("x"))
    recorder.flush()
    assert recorder.failed and "cost accounting is off" in caplog.text


def test_db_path_precedence(monkeypatch, tmp_path):
    settings = StatsSettings()
    monkeypatch.setenv(store.DB_ENV, str(tmp_path / "env.db"))
    assert store.db_path(settings) == tmp_path / "env.db"
    assert store.db_path(replace(settings, path=str(tmp_path / "cfg.db"))) == tmp_path / "cfg.db"
    monkeypatch.delenv(store.DB_ENV)
    assert str(store.db_path(settings)).endswith(".smart-router/stats.db")


# ---------------------------------------------------------------- files of earlier releases


def snapshot(path):
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall(), conn.execute("SELECT * FROM requests ORDER BY ts").fetchall()


@pytest.mark.parametrize("release,keyed_on_call_id", [("b94d2e9", True), ("cbd25b8", False)])
def test_files_of_earlier_releases_are_upgraded_in_place(tmp_path, capsys, release, keyed_on_call_id):
    path = tmp_path / "stats.db"
    shutil.copy(FIXTURES / f"{release}.db", path)
    assert user_version(path) == 0  # no release before this one stamped a version
    # slr stats reads the old file as it is, without migrating it
    assert main(["stats", "--db", str(path), "--json"]) == 0
    total = json.loads(capsys.readouterr().out)["total"]
    assert (total["requests"], total["errors"], total["fallbacks"], total["unknown_price"]) == (4, 1, 1, 1)
    assert user_version(path) == 0

    conn = store.connect(path)
    assert user_version(path) == store.SCHEMA_VERSION
    old = conn.execute(f"SELECT {', '.join(NAMES)}, ts FROM requests ORDER BY ts").fetchall()
    expected = [(*values, T0 + 60 * i) for i, values in enumerate(ROWS)]
    if keyed_on_call_id:  # the release had no id: the call id became it
        expected = [(row[1], *row[1:]) for row in expected]
    assert old == expected
    store.write(conn, [make_row("new-1", ts=T0 + 3600), make_row(expected[0][0], status="error", cost=None, baseline=None)])
    conn.close()
    groups, total = report.summarize(path, by="tier")
    assert total.requests == 5 and total.errors == 1  # the old success was not replaced by a failure
    assert {g.key for g in groups} == {"SIMPLE", "MEDIUM", "COMPLEX", "REASONING", "EMBEDDING"}

    before = snapshot(path)
    store.connect(path).close()  # reopening changes nothing
    assert snapshot(path) == before and user_version(path) == store.SCHEMA_VERSION
    assert main(["stats", "--db", str(path), "--json"]) == 0 and json.loads(capsys.readouterr().out)["total"]["requests"] == 5


def test_a_file_of_a_newer_release_is_refused_never_written(tmp_path, capsys, caplog):
    path = tmp_path / "stats.db"
    store.connect(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    conn.close()  # the last connection: checkpointed into the file
    before = path.read_bytes()
    message = f"{path} has stats schema version {store.SCHEMA_VERSION + 1}, newer than the {store.SCHEMA_VERSION}"
    with pytest.raises(store.NewerSchemaError, match="upgrade smart-llm-router") as error:
        store.connect(path)
    assert str(error.value).startswith(message)

    recorder = store.Recorder(path)
    with caplog.at_level(logging.ERROR, logger="smart_router"):
        for batch in range(2):
            recorder.add(make_row(f"x{batch}"))
            recorder.flush()
    recorder.close()
    assert recorder.failed and caplog.text.count(message) == 1
    assert path.read_bytes() == before and user_version(path) == store.SCHEMA_VERSION + 1

    assert main(["stats", "--db", str(path)]) == 1
    assert message in capsys.readouterr().err


def test_a_failed_migration_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "stats.db"
    shutil.copy(FIXTURES / "b94d2e9.db", path)
    before = snapshot(path)
    monkeypatch.setattr(store, "MIGRATIONS", (*store.MIGRATIONS[:1], store.MIGRATIONS[1] + "SELECT no_such_column FROM requests;"))
    with pytest.raises(sqlite3.OperationalError):
        store.connect(path)
    assert snapshot(path) == before and user_version(path) == 0
