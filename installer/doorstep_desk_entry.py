"""Entry point of the frozen desk application (PyInstaller runs this file).

The same as the ``doorstep-desk`` console script: no command starts the window, a command
(``demo``, ``cases``, ``receipt`` …) runs without it.
"""

import sys

from desk.cli import main

if __name__ == "__main__":
    sys.exit(main())
