"""One SQLite file for the many small entries of the symbol analysis.

A cold check parses thousands of blobs (every other open branch's changed files)
and kept each answer in its own JSON file: creating those files was half of the
run's CPU time (a temporary file, a rename and a directory entry each). Here the
entries of a run wait in memory and go to ``<common dir>/agentgate/symbols/
symbols.db`` in one transaction per batch (``flush``; ``cache.cached`` flushes
when its outermost computation ends).

Keys are immutable ids (blob ids, commit ids, digests of them) and values never
change for a key, so a lost write only costs a recomputation: when the database
is locked past a short wait, read-only or damaged, the entries are dropped and
the run goes on with its answer (a damaged file is removed for the next run).
SQLite's transactions keep every reader seeing whole entries while another
process writes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from gate.atomic import file_mode

if TYPE_CHECKING:
    import sqlite3

_WAIT = 2.0  # seconds to wait for another process's transaction
_SCHEMA = "CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID"


class Store:
    """Entries of one repository: ``get``, ``put`` (pending until ``flush``)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.pending: dict[str, str] = {}
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            import sqlite3

            try:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
                if not os.path.exists(self.path):
                    # The umask's mode, as git gives its own files (hooks may run as
                    # several users of one group); SQLite would make it 0644.
                    os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, file_mode()))
                db = sqlite3.connect(self.path, timeout=_WAIT, isolation_level=None)
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(_SCHEMA)
                self._db = db
            except (OSError, sqlite3.Error) as exc:
                self._fail(exc)
        return self._db

    def get(self, key: str) -> str | None:
        if key in self.pending:
            return self.pending[key]
        db = self._connect()
        if db is None:
            return None
        import sqlite3

        try:
            row = db.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._fail(exc)
            return None
        return None if row is None else str(row[0])

    def put(self, key: str, value: str) -> None:
        self.pending[key] = value

    def flush(self) -> None:
        """Write the pending entries in one transaction, or drop them."""
        if not self.pending:
            return
        rows, self.pending = list(self.pending.items()), {}
        db = self._connect()
        if db is None:
            return
        import sqlite3

        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", rows)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError:
            pass  # locked past the wait, or read-only: computed again next time
        except sqlite3.Error as exc:
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        import sqlite3

        self._broken = True
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            try:
                os.unlink(self.path)  # not a database (any more): the next run starts afresh
            except OSError:
                pass
