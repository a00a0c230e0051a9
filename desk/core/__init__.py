"""The desk's Qt-free core: local store, case lifecycle, receipts, paths, settings."""
