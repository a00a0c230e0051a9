"""Request rate limits kept in the district database, so every server process sharing it
(``serve --workers N``, or several instances behind a reverse proxy) counts against the same
limit — an in-memory count would allow N times the limit.

Each client address has, per scope (``verify``: receipt checks; ``unlock``: PIN unlocks), a
one-minute window that begins at its first request; a request is allowed while the window
holds at most ``per_minute`` of them. The count is taken and checked in one statement
(``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``), so parallel requests — whichever
process serves them — cannot share a count. Windows long past are purged now and then.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from sqlalchemy import case
from sqlalchemy import delete as sa_delete

from sync.district.database import Database
from sync.district.tables import rate_hits

if TYPE_CHECKING:
    from sqlalchemy import Connection

WINDOW = 60.0  # seconds
PURGE_EVERY = 60.0


class RateLimiter:
    """``per_minute`` requests per client address and minute, for one ``scope``, counted in
    the database ``db`` (shared by every server process on it)."""

    def __init__(self, db: Database, scope: str, per_minute: int) -> None:
        self.db, self.scope, self.per_minute = db, scope[:16], per_minute
        self._purge_at = 0.0

    def hit(self, client: str) -> int:
        """Count a request; 0 when allowed, else the whole seconds to wait."""
        with self.db.write() as conn:
            return self.hit_in(conn, client)

    def hit_in(self, conn: Connection, client: str) -> int:
        """:meth:`hit` inside the caller's write transaction (the request's own reads
        then share its round trips: the progress page, issue 18)."""
        now = time.time()
        client = client[:64]
        expired = rate_hits.c.start <= now - WINDOW
        ins = self.db.dialect_insert(rate_hits).values(scope=self.scope, client=client, start=now,
                                                hits=1)
        stmt = ins.on_conflict_do_update(
            index_elements=["scope", "client"],
            set_={"hits": case((expired, 1), else_=rate_hits.c.hits + 1),
                  "start": case((expired, now), else_=rate_hits.c.start)},
        ).returning(rate_hits.c.hits, rate_hits.c.start)
        hits, start = conn.execute(stmt).one()
        if now >= self._purge_at:
            self._purge_at = now + PURGE_EVERY
            conn.execute(sa_delete(rate_hits).where(rate_hits.c.start < now - 2 * WINDOW))
        if hits <= self.per_minute:
            return 0
        return max(1, math.ceil(float(start) + WINDOW - now))
