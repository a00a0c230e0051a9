"""Print, as JSON, what Qt answers through ICU: collation, time-zone names, locale case
mapping and text codecs (the four ICU services Qt 6 calls). Run by test_installer.py once
with the wheel's full ICU data and once with the bundle's trimmed library preloaded
(``LD_PRELOAD``: same soname, so Qt binds to it); the answers must not differ.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QStringEncoder, QTimeZone

NAMES = ["张三", "李四", "王五", "赵六", "曾强", "单田芳", "阿宝", "区小明", "䶮", "𠮷", "Zoe",
         "adam", "Émile", "Ørsted"]
ZONES = ["Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Taipei", "Europe/Berlin",
         "America/New_York", "UTC"]
LOCALES = ["zh_CN", "zh_TW", "zh_HK", "en_US", "en_GB"]
CODECS = ["GB18030", "GBK", "GB2312", "EUC-CN", "Big5", "Big5-HKSCS", "windows-936",
          "windows-950", "UTF-16LE", "UTF-32", "US-ASCII", "IBM437", "IBM850",
          *(f"windows-{n}" for n in range(1250, 1259)),
          *(f"ISO-8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15))]


def main() -> None:
    out: dict[str, object] = {}
    for loc in LOCALES:
        collator = QCollator(QLocale(loc))
        out[f"sort {loc}"] = sorted(NAMES, key=collator.sortKey)
        out[f"case {loc}"] = [QLocale(loc).toUpper("istanbul ǆ ß ﬁ ω"),
                              QLocale(loc).toLower("İSTANBUL ΣΑΣ Ǆ")]
    for loc in ("tr_TR", "lt_LT", "el_GR"):
        out[f"case {loc}"] = [QLocale(loc).toUpper("istanbul i̇ ά"),
                              QLocale(loc).toLower("İSTANBUL I Ì ΣΑΣ")]
    for zone in ZONES:
        tz = QTimeZone(zone.encode())
        for loc in LOCALES:
            for name_type in QTimeZone.NameType:
                for time_type in QTimeZone.TimeType:
                    out[f"tz {zone} {loc} {name_type.name} {time_type.name}"] = \
                        tz.displayName(time_type, name_type, QLocale(loc))
    for codec in CODECS:
        out[f"codec {codec}"] = [QStringEncoder(codec).isValid(),
                                 QStringDecoder(codec).isValid(), QStringDecoder(codec).name()]
    # differs by design (the trimmed data has fewer converters): shows which data answered
    out["available codecs"] = len(QStringDecoder.availableCodecs())
    print(json.dumps(out, ensure_ascii=False, sort_keys=True, indent=0))


if __name__ == "__main__":
    main()
