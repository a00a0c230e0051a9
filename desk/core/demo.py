"""Realistic synthetic cases for demonstrations, training and benchmarks.

Residents get valid ID numbers with real Wuhan area codes (汉阳区 420105 and neighbours),
plausible names, compounds and mobile numbers; cases spread over the whole catalog and
the last 90 days, with some 容缺 and 补正 outcomes. Every case goes through the form
engine, so demo data is exactly as valid as real data.
"""

from __future__ import annotations

import copy
import random
import time
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from desk.core import clock
from desk.core.cases import Actor
from forms.engine import validate
from forms.ids import id_check_digit
from forms.model import Item

if TYPE_CHECKING:
    from desk.core.app import DeskContext

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
            "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹")
GIVEN = ("桂兰 秀英 建国 志强 国华 淑珍 玉梅 红霞 伟 芳 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 "
         "秀兰 霞 平 刚 桂英 文 华 金凤 德明 春生 海燕 晓燕 思远 子涵 雨桐 浩然 一诺 梓轩 欣怡 "
         "宏伟 凤英 光荣 丽华 建华 爱华 玉珍 秀珍 慧 鹏 辉 琳 婷 宇航 佳怡 俊杰 家豪 德华").split()
AREAS = ("420105", "420105", "420105", "420103", "420106", "420104", "420111", "420112",
         "420113", "420114", "420115", "420116", "420117", "420102")
COMPOUNDS = ("七里一村小区", "二印小区", "琴台花园", "墨水湖小区", "十里铺小区", "五里新村",
             "钟家村小区", "郭茨口小区", "江堤新村", "四新家园", "龙阳湖小区", "芳草苑")
PREFIXES = ("138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "186",
            "187", "188", "130", "131", "132", "155", "156", "133", "153", "189", "177")


def make_id(rng: random.Random, birth: date, sex: str | None = None) -> str:
    """A valid 18-digit ID number with a Wuhan area code, born on ``birth``."""
    seq = rng.randint(0, 99)
    last = rng.choice([1, 3, 5, 7, 9] if sex == "男" else [0, 2, 4, 6, 8] if sex == "女"
                      else range(10))
    first17 = f"{rng.choice(AREAS)}{birth:%Y%m%d}{seq:02d}{last}"
    return first17 + id_check_digit(first17)


def make_name(rng: random.Random) -> str:
    """A plausible Chinese name."""
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def make_phone(rng: random.Random) -> str:
    """A plausible mobile number."""
    return rng.choice(PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def _birth_for(rng: random.Random, example_id: str, today: date) -> date:
    """A birth date in the same age band as the item's example applicant."""
    try:
        ex = date(int(example_id[6:10]), int(example_id[10:12]), int(example_id[12:14]))
    except (ValueError, IndexError):
        ex = date(1960, 1, 1)
    age = today.year - ex.year
    lo, hi = max(age - 6, 16), age + 6
    if age >= 80:
        lo, hi = 80, 98
    year = today.year - rng.randint(lo, hi)
    return date(year, rng.randint(1, 12), rng.randint(1, 28))


def _vary(item: Item, rng: random.Random, today: date) -> dict[str, Any]:
    sub: dict[str, Any] = copy.deepcopy(item.example)
    sub["applicant_name"] = make_name(rng)
    birth = _birth_for(rng, str(sub.get("applicant_id", "")), today)
    sub["applicant_id"] = make_id(rng, birth)
    sub["applicant_phone"] = make_phone(rng)
    for key, value in list(sub.items()):
        if isinstance(value, dict) and {"compound", "building", "room"} <= set(value):
            sub[key] = {"compound": rng.choice(COMPOUNDS), "building": f"{rng.randint(1, 30)}栋",
                        "unit": f"{rng.randint(1, 4)}单元",
                        "room": f"{rng.randint(1, 18)}0{rng.randint(1, 4)}"}
    rows = [v for v in sub.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
    for group in rows:
        for row in group:
            if row.get("relation") == "本人":
                if "name" in row:
                    row["name"] = sub["applicant_name"]
                if "id_number" in row:
                    row["id_number"] = sub["applicant_id"]
    mats = list(sub.get("materials", []))
    roll = rng.random()
    deferrable = [m.name for m in item.materials if m.deferrable and m.required]
    essential = [m.name for m in item.materials if m.required and not m.deferrable]
    if roll < 0.12 and deferrable:
        drop = rng.choice(deferrable)
        mats = [m for m in mats if m != drop]
    elif roll < 0.18 and essential:
        drop = rng.choice(essential)
        mats = [m for m in mats if m != drop]
    sub["materials"] = mats
    if rng.random() < 0.08:
        sub["priority"] = True
    return sub


def make_demo_cases(ctx: DeskContext, n: int, *, seed: int | None = None,
                    chunk: int = 1000) -> dict[str, Any]:
    """Create ``n`` demo cases in the desk's store; returns counts and the rate."""
    rng = random.Random(seed)
    items = [it for it in ctx.catalog.items]
    weights = [6 if it.code in ("MZ-GLJT", "YB-JMCB", "RS-ZGRZ", "WJ-JTYS", "MZ-LNYD") else 1
               for it in items]
    actor: Actor = ctx.actor()
    today = clock.today()
    started = time.perf_counter()
    made = 0
    statuses: dict[str, int] = {}
    pending: list[tuple[dict[str, Any], dict[str, str]]] = []
    while made < n:
        item = rng.choices(items, weights)[0]
        day = today - timedelta(days=rng.randint(0, 89))
        sub = _vary(item, rng, day)
        result = validate(item, sub, today=today)
        if not result.ok:  # an example whose shape we could not vary: use it as is
            sub = copy.deepcopy(item.example)
            result = validate(item, sub, today=today)
            if not result.ok:
                raise ValueError(f"item {item.code}: example does not validate")
        case, search = ctx.cases.build_case(item, result, actor, day)
        case["created_at"] = f"{day.isoformat()}T{rng.randint(8, 17):02d}:" \
                             f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.000+08:00"
        case["updated_at"] = case["created_at"]
        pending.append((case, search))
        statuses[case["status"]] = statuses.get(case["status"], 0) + 1
        made += 1
        if len(pending) >= chunk:
            ctx.store.bulk_insert_cases(pending, "demo")
            pending = []
    if pending:
        ctx.store.bulk_insert_cases(pending, "demo")
    elapsed = time.perf_counter() - started
    return {"created": made, "by_status": statuses, "seconds": round(elapsed, 3),
            "cases_per_second": round(made / elapsed, 1) if elapsed else None}
