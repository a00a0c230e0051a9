"""The desk side of sync (requests, no Qt).

- :class:`sync.client.http.DistrictClient` — signed HTTP with timeouts, backoff and the
  server-clock offset.
- :func:`sync.client.desk.enroll_desk` / :func:`sync.client.desk.sync_desk` — what the
  desk's command line and window call.
- :mod:`sync.client.errors` — typed errors (network, auth, conflict, server) the UI explains.
"""

from sync.client.errors import (
    AuthError,
    ConflictError,
    NetworkError,
    ProtocolError,
    ServerError,
    SyncError,
    TooLargeError,
)

__all__ = ["AuthError", "ConflictError", "NetworkError", "ProtocolError", "ServerError",
           "SyncError", "TooLargeError"]
