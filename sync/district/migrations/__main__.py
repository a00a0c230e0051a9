"""``python3 -m sync.district.migrations revision MESSAGE [--db URL]`` (see :func:`main`)."""

import sys

from sync.district.migrations import main

raise SystemExit(main(sys.argv[1:]))
