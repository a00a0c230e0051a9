"""Identifier validators: resident ID numbers (GB 11643), unified social credit codes
(GB 32100), mobile numbers, and the masking used on receipts and lists.

Each validator returns a result object rather than raising, so the form engine can turn
the reason into a message that names the rule a resident's number broke.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_ID_CHECK = "10X98765432"

# Province-level prefixes of GB/T 2260 (plus 81/82/83 for HK/Macao/Taiwan residence permits).
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83", "91",
}


@dataclass(frozen=True)
class IdNumber:
    """A checked 18-digit resident ID number and what it tells about its holder."""

    number: str
    birth_date: date
    sex: str  # "男" or "女"
    area_code: str
    upgraded_from_15: bool = False

    def age_on(self, day: date) -> int:
        """Full years of age on ``day``."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class IdNumberError(ValueError):
    """Why a string is not a valid resident ID number; ``rule`` is a short machine name."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def id_check_digit(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character for 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate a resident ID number (18 digits, or a legacy 15-digit one, upgraded).

    Raises :class:`IdNumberError` naming the rule that failed.
    """
    s = raw.strip().replace(" ", "").upper()
    upgraded = False
    if re.fullmatch(r"\d{15}", s):
        first17 = s[:6] + "19" + s[6:]
        s = first17 + id_check_digit(first17)
        upgraded = True
    if not re.fullmatch(r"\d{17}[\dX]", s):
        raise IdNumberError("format", "身份证号码应为18位（前17位数字，末位数字或X），或15位旧号码")
    if s[:2] not in _PROVINCES:
        raise IdNumberError("area", f"身份证号码前两位地区码 {s[:2]} 不存在")
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        raise IdNumberError("birth_date", "身份证号码中的出生日期不是有效日期") from None
    today = today or date.today()
    if born > today or born.year < 1880:
        raise IdNumberError("birth_date", "身份证号码中的出生日期不合理")
    if id_check_digit(s[:17]) != s[17]:
        raise IdNumberError("check_digit", "身份证号码校验位不正确，请核对是否输错")
    sex = "男" if int(s[16]) % 2 == 1 else "女"
    return IdNumber(s, born, sex, s[:6], upgraded)


def is_valid_id_number(raw: str) -> bool:
    """True when ``raw`` is a valid resident ID number."""
    try:
        parse_id_number(raw)
    except IdNumberError:
        return False
    return True


# --- 统一社会信用代码 (GB 32100-2015) -------------------------------------------------

_CC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CC_WEIGHTS = [3**i % 31 for i in range(17)]
_CC_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def credit_code_check(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(_CC_ALPHABET.index(c) * w for c, w in zip(first17, _CC_WEIGHTS, strict=True))
    return _CC_ALPHABET[(31 - total % 31) % 31]


def _org_code_check(eight: str) -> str:
    total = 0
    for c, w in zip(eight, _ORG_WEIGHTS, strict=True):
        value = int(c) if c.isdigit() else ord(c) - ord("A") + 10
        total += value * w
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def credit_code_problem(raw: str) -> str | None:
    """None when ``raw`` is a valid unified social credit code, else the reason."""
    s = raw.strip().upper()
    if not _CC_PATTERN.match(s):
        return "统一社会信用代码应为18位，由数字和大写字母组成（不含I、O、S、V、Z）"
    if credit_code_check(s[:17]) != s[17]:
        return "统一社会信用代码校验位不正确"
    if _org_code_check(s[8:16]) != s[16]:
        return "统一社会信用代码中的组织机构代码校验位不正确"
    return None


# --- phones ----------------------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_SPACES = re.compile(r"[\s()]")
_MOBILE_DASHED = re.compile(r"1[\d-]+")


def normalize_phone(raw: str) -> str:
    """Strip spaces, dashes inside mobiles, and a +86 / 86 prefix."""
    s = _SPACES.sub("", raw)
    if s.startswith("+86"):
        s = s[3:]
    elif s.startswith("0086"):
        s = s[4:]
    elif len(s) == 13 and s.startswith("86"):
        s = s[2:]
    if _MOBILE_DASHED.fullmatch(s):
        s = s.replace("-", "")
    return s


def phone_problem(raw: str, *, allow_landline: bool = True) -> str | None:
    """None when ``raw`` is a mobile (or, if allowed, landline) number, else the reason."""
    s = normalize_phone(raw)
    if _MOBILE.match(s):
        return None
    if allow_landline and _LANDLINE.match(s):
        return None
    if allow_landline:
        return "电话应为11位手机号（1开头）或带区号的固定电话（如027-84561234）"
    return "手机号应为11位数字，以1开头，第二位为3至9"


# --- masking ---------------------------------------------------------------------------


def mask_id(number: str) -> str:
    """First 6 and last 4 characters shown: ``420105********0017``."""
    s = number.strip()
    if len(s) <= 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def mask_phone(phone: str) -> str:
    """First 3 and last 4 digits shown: ``138****5678``."""
    s = normalize_phone(phone)
    if len(s) < 8:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def mask_name(name: str) -> str:
    """Surname kept, the rest hidden: ``张*`` / ``欧阳**``."""
    s = name.strip()
    if len(s) <= 1:
        return s
    return s[0] + "*" * (len(s) - 1)
