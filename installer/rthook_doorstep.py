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

# pypinyin's phrase dictionary is not in the bundle (doorstep-desk.spec): the desk reads
# single characters only. desk/__init__.py sets this with setdefault; here it is forced, so
# an inherited empty value cannot make pypinyin import the missing module.
os.environ["PYPINYIN_NO_PHRASES"] = "1"

# Chinese input on Linux desktops running fcitx5. The bundle's Qt carries the IBus and
# compose input-method plugins only; fcitx's Qt plugin is built against the desktop's own
# Qt, and the bundle's Qt neither finds nor could load it. fcitx desktops set
# QT_IM_MODULE=fcitx: this Qt would not find that plugin and fall back to "compose", with
# no Chinese input. fcitx5 also speaks IBus (its IBus frontend, loaded by default): it then
# writes the IBus address file with an address marked "fcitx_random_string" and owns the
# D-Bus name org.freedesktop.portal.IBus, which Qt's IBus plugin uses when IBUS_USE_PORTAL
# is set (without it, the plugin insists on an ibus-daemon program). When that frontend
# runs, Qt is asked for fcitx first and IBus second (QT_IM_MODULES, Qt 6.7 and later).
# fcitx 4 has no IBus frontend: nothing changes there. What the user set is kept.


def _fcitx5_serves_ibus():
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"),
                                                               ".config")
    folder = os.path.join(config, "ibus", "bus")
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    for name in names:
        try:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                values = dict(line.strip().split("=", 1) for line in f
                              if "=" in line and not line.startswith("#"))
            pid = int(values.get("IBUS_DAEMON_PID", ""))
        except (OSError, ValueError):
            continue
        if "fcitx_random_string" not in values.get("IBUS_ADDRESS", "") or pid <= 0:
            continue
        try:
            os.kill(pid, 0)
        except PermissionError:
            return True
        except OSError:
            continue
        return True
    return False


if (sys.platform.startswith("linux") and not os.environ.get("QT_IM_MODULES")
        and os.environ.get("QT_IM_MODULE", "").strip().lower() in ("fcitx", "fcitx5")
        and _fcitx5_serves_ibus()):
    os.environ["QT_IM_MODULES"] = os.environ["QT_IM_MODULE"].strip() + ";ibus"
    os.environ.setdefault("IBUS_USE_PORTAL", "1")
