# PyInstaller runtime hook: runs before any application code in the frozen desk.
#
# desk.core.resources looks for the resources folder in $DOORSTEP_RESOURCES first. The spec
# puts it at <bundle>/_internal/resources (sys._MEIPASS); say so explicitly rather than rely
# on the module's own path arithmetic. A value the user or support staff set is kept.
import os
import sys

_bundle = getattr(sys, "_MEIPASS", None)
if _bundle and not os.environ.get("DOORSTEP_RESOURCES", "").strip():
    os.environ["DOORSTEP_RESOURCES"] = os.path.join(_bundle, "resources")
