"""The desk's PySide6 window. Only this package imports Qt; it calls desk.core, never the
other way round."""
