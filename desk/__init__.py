"""Doorstep Desk (家门口办事台): the grid worker's offline desk application."""

import os as _os

__version__ = "0.1.0"

# pypinyin's phrase dictionary costs ~45 MB and ~0.5 s at import; the desk only needs
# readings of single characters (name initials for case search, item-name initials for the
# catalog search), and names are not phrases anyway. Set before anything imports pypinyin,
# so the window, the command line and the demo generator index names the same way.
_os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
_os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
