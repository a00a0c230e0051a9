"""Moved to :mod:`forms.printing.layout` (issue 16: the district's console renders the desk's documents
with the same code, and the district may not import the desk). This name stays for the
desk's existing imports: it is the very same module."""

import sys

from forms.printing import layout as _moved
from forms.printing.layout import *  # noqa: F403 (for type checkers)

sys.modules[__name__] = _moved
