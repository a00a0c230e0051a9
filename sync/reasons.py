"""Why a record was refused, in words a grid worker can act on.

The district answers a refused record with a reason the desk shows the worker as it is
(on the sync page, next to the case). A malformed record (a desk bug or a desk older than
the district) used to be answered with the validator's own text, e.g. ``格式错误
payload.item_code: String should match pattern …``; now the worker reads which part could
not be read and what to do, and the technical detail goes to the log (the district's for
records it refuses, the desk's for such reasons from an older district).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# record and payload fields (sync.protocol.Record, CasePayload, RatingPayload) in words
FIELD_WORDS = {
    "id": "记录序号",
    "kind": "记录类型",
    "case_uuid": "案件编号",
    "uuid": "案件编号",
    "revision": "修改版本号",
    "payload": "记录内容",
    "receipt_no": "回执编号",
    "item_code": "事项编码",
    "item_name": "事项名称",
    "department": "主管部门",
    "catalog_version": "事项目录版本",
    "status": "受理状态",
    "applicant_name": "申请人姓名",
    "created_at": "登记时间",
    "updated_at": "修改时间",
    "desk_code": "办事点编码",
    "data_json": "表单内容",
    "materials_json": "材料清单",
    "priority": "绿色通道标记",
    "level": "评价等级",
    "reason": "评价理由",
    "rated_at": "评价时间",
}
WHAT_TO_DO = "请把办事台升级到最新版本后再同步；仍被退回的，请联系区级技术支持（不必让群众重新办理）。"
MISMATCH = ("区级系统发现这条记录的案件编号或修改版本号前后不一致，没有接收。" + WHAT_TO_DO)
# a rating of a case the district does not hold (yet): offered again by the desk once the
# district has acknowledged the case (sync.client.reconcile.begin)
CASE_NOT_RECEIVED = "该案件尚未上传到区级，评价暂不能接收"
# the prefix of the validator's text older districts sent
LEGACY_PREFIX = "格式错误"


def field_words(locations: Iterable[Sequence[str | int]]) -> list[str]:
    """The fields named by validator locations (``('payload', 'item_code')``), in words,
    each once; the innermost named field counts (``payload.item_code`` → 事项编码)."""
    words: list[str] = []
    for loc in locations:
        names = [str(p) for p in loc if isinstance(p, str) and p in FIELD_WORDS]
        word = FIELD_WORDS[names[-1]] if names else "记录内容"
        if word not in words:
            words.append(word)
    return words


def malformed(locations: Iterable[Sequence[str | int]]) -> str:
    """The reason for a record the district could not read, naming the fields."""
    words = field_words(locations) or ["记录内容"]
    return f"区级系统读不懂这条记录的{'、'.join(words)}，没有接收。" + WHAT_TO_DO


def for_worker(reason: str) -> str:
    """A refusal reason as the worker should read it: a validator's text from an older
    district (``格式错误 payload.item_code: …; revision: …``) becomes :func:`malformed`;
    every other reason is already a plain sentence and stays as it is."""
    text = reason.strip()
    if not text.startswith(LEGACY_PREFIX):
        return reason
    if "differ from the record" in text:
        return MISMATCH
    locs = [re.split(r"[.\[\]]+", m) for m in
            re.findall(r"(?:^|;\s*)([A-Za-z_][A-Za-z0-9_.\[\]]*):",
                       text[len(LEGACY_PREFIX):].strip())]
    return malformed(locs)
