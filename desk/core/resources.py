"""Moved to :mod:`forms.printing.resources` (issue 16: the district's console renders the desk's documents
with the same code, and the district may not import the desk). This name stays for the
desk's existing imports: it is the very same module."""

import sys

from forms.printing import resources as _moved
from forms.printing.resources import *  # noqa: F403 (for type checkers)

sys.modules[__name__] = _moved
