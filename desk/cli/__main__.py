"""``python -m desk.cli``."""

import os

from desk.cli import main

os.environ.setdefault("PYTHONIOENCODING", "utf-8")
raise SystemExit(main())
