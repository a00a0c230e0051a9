"""The district side: :func:`sync.district.app.create_app` (FastAPI),
:class:`sync.district.storage.Storage` (the only module touching the district database)
and the ``doorstep-district`` command line (:mod:`sync.district.cli`)."""
