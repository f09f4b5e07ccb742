"""Which worker process runs the periodic checks (空岗, 视为受理) when several serve one database.

Every worker runs the timer; only the one holding a PostgreSQL session advisory lock does the work.
The lock lives as long as that worker's connection: a worker that dies (or is restarted) releases it
with its connection and another takes it at its next tick. check_empty_posts reads the open posts
before it writes, so two processes checking at once could raise the same 空岗 twice; this keeps one.
On SQLite there is only ever one process (``serve`` refuses --workers > 1), which is the leader.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Connection, text

from server.engine import ServerDatabase

log = logging.getLogger("counter_desk.server")
LOCK_KEY = 0x436F_756E_7465_7244  # "CounterD": the periodic checks' advisory lock (bigint)


class Leader:
    def __init__(self, db: ServerDatabase) -> None:
        self.db = db
        self._conn: Connection | None = None
        self._mutex = threading.Lock()

    def holds(self) -> bool:
        """True when this process may run the periodic checks now (takes the lock if it is free)."""
        if self.db.is_sqlite:
            return True
        with self._mutex:
            try:
                if self._conn is not None and not self._conn.closed:
                    self._conn.execute(text("SELECT 1"))  # still ours: the session (and its lock) is alive
                    return True
            except Exception:
                log.warning("lost the connection holding the periodic checks' lock; trying again")
                self._drop()
            return self._try()

    def _try(self) -> bool:
        conn = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}))
        except Exception:
            conn.close()
            raise
        if got:
            self._conn = conn
        else:
            conn.close()
        return got

    def _drop(self, unlock: bool = False) -> None:
        if self._conn is None:
            return
        try:
            if unlock:  # at once; a closed connection's lock goes only when its backend has exited
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
        except Exception:
            log.warning("could not release the periodic checks' lock; closing its connection")
        finally:
            self._conn.invalidate()  # never back to the pool with the lock held
            self._conn = None

    def release(self) -> None:
        """At shutdown: another worker may take the checks over at its next tick."""
        with self._mutex:
            self._drop(unlock=True)
