"""The contract between desk and district.

- :mod:`sync.protocol` — what crosses the wire (message models, version, signing, gzip);
  the single definition shared by both sides.
- :mod:`sync.client` — the desk side (requests, no Qt): enroll, push the outbox, pull
  changes.
- :mod:`sync.district` — the district side: the FastAPI app, its storage and command line.
"""
