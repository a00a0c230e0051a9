"""A second language on printed documents (双语窗口, issue 16).

With the desk setting 文书第二语言 (``Settings.doc_language``), receipts, notices and the
民情诉求受理单 print each label and item text in Chinese with its translation beneath it,
smaller; a text with no translation is printed in Chinese alone.

Where translations come from, first found wins:

- item texts (name, department, material names, field labels): the catalog's translations
  (``translations: {en: …}`` in the YAML, ``name::en`` columns in the workbook), passed in
  by the documents as :class:`Bi` texts;
- the documents' own words and sentence templates: a translation file for the language
  the district published (any ``*.ts`` declaring that language in the desk's data folder's
  ``translations``, :func:`district_dir`), then :data:`DOCUMENT_WORDS` (English ships built
  in);
- the desk UI's translation file, ``resources/translations/doorstep_<lang>.ts``, read as
  Qt Linguist XML (receipts are rendered without Qt).

A template (``"请于{date}前补齐上述材料。"``) is looked up by its Chinese form and filled
with the translations of its parameters (:meth:`Words.t`).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from forms.model import Item, Translation
from forms.printing.resources import resources_dir
from forms.printing.tsfiles import district_dir, district_files, read_ts, ts_language

__all__ = ["DOCUMENT_WORDS", "NONE", "Bi", "Words", "district_dir", "words_for"]

class Bi(str):
    """A printed text that carries its translation (``tr``; None: Chinese alone)."""

    tr: str | None

    def __new__(cls, text: str, tr: str | None = None) -> Bi:
        obj = super().__new__(cls, text)
        obj.tr = tr or None
        return obj


_cache: dict[tuple[Any, ...], Words] = {}
_lock = threading.Lock()


class Words:
    """The translations of one language; :meth:`get` a text, :meth:`t` a template."""

    def __init__(self, lang: str, table: dict[str, str]) -> None:
        self.lang = lang
        self.table = table

    def get(self, text: object) -> str | None:
        """The translation of ``text`` (its own, for a :class:`Bi`), or None."""
        tr = getattr(text, "tr", None)
        if tr:
            return str(tr)
        return self.table.get(str(text)) if self.lang else None

    def param(self, value: object) -> str:
        """A template parameter in this language: its translation, else as it is."""
        return self.get(value) or str(value)

    def t(self, template: str, **params: object) -> str:
        """``template`` filled in Chinese, with its translation when the template has one
        (parameters translated where they can be)."""
        zh = template.format(**{k: str(v) for k, v in params.items()})
        tmpl = self.table.get(template) if self.lang else None
        if not tmpl:
            return zh
        try:
            return Bi(zh, tmpl.format(**{k: self.param(v) for k, v in params.items()}))
        except (KeyError, IndexError, ValueError):  # a district file's broken template
            return zh

    def item(self, item: Item | None) -> Translation:
        """The item's words in this language (empty when none)."""
        if item is None or not self.lang:
            return Translation()
        return item.translated(self.lang)

    def name(self, item: Item | None, zh: str) -> str:
        """An item's name, with its translation."""
        return Bi(zh, self.item(item).name) if self.lang else zh

    def department(self, item: Item | None, zh: str) -> str:
        """An item's department, with its translation."""
        return Bi(zh, self.item(item).department or self.get(zh)) if self.lang else zh

    def material(self, item: Item | None, zh: str) -> str:
        """A material's name, with its translation."""
        if not self.lang:
            return zh
        return Bi(zh, self.item(item).materials.get(zh) or self.get(zh))


NONE = Words("", {})


def words_for(lang: str | None, district: Path | None = None) -> Words:
    """The words of ``lang`` (:data:`NONE` for no second language); ``district``: where the
    district's translation files are (:func:`district_dir`)."""
    lang = (lang or "").split("_")[0]
    if not lang:
        return NONE
    ui = resources_dir() / "translations" / f"doorstep_{lang}.ts"
    theirs = [p for p in district_files(district) if ts_language(p) == lang]
    files = ([ui] if ui.is_file() else []) + theirs
    key = (lang, *((str(p), p.stat().st_mtime_ns) for p in files))
    with _lock:
        found = _cache.get(key)
        if found is not None:
            return found
    table: dict[str, str] = {}
    if ui.is_file():
        table.update(read_ts(ui))
    table.update(DOCUMENT_WORDS.get(lang, {}))
    for path in theirs:  # the district's last: its words win
        table.update(read_ts(path))
    words = Words(lang, table)
    with _lock:
        _cache[key] = words
    return words


def placeholders(text: str) -> set[str]:
    """The ``{name}`` parameters of a template."""
    return set(re.findall(r"\{(\w+)\}", text))


# The documents' own words in English: labels, headings, fixed sentences and templates.
DOCUMENT_WORDS: dict[str, dict[str, str]] = {"en": {
    # titles
    "受理回执": "Acceptance receipt",
    "收件回执": "Receipt of materials",
    "容缺受理通知书": "Notice of acceptance with materials to follow",
    "补正材料告知书": "Notice of materials to supplement",
    "一次性告知单": "One-time notice of requirements",
    "民情诉求受理单": "Resident request slip",
    "（申请人留存联）": "(Applicant's copy)",
    "申请人留存": "Applicant's copy",
    "（居民留存联）": "(Resident's copy)",
    "居民留存": "Resident's copy",
    "{title}　存根（办事点归档联）": "{title} — stub (kept by the desk)",
    # numbers and dates
    "受理编号": "Receipt no.",
    "受理日期": "Accepted on",
    "告知书编号": "Notice no.",
    "告知日期": "Date of notice",
    "事项编码": "Item code",
    "诉求编号": "Request no.",
    "受理时间": "Received at",
    "编号": "No.",
    "日期": "Date",
    # people
    "申请人": "Applicant",
    "身份证号": "ID number",
    "联系电话": "Phone",
    "代办人": "Proxy",
    "代办人证件": "Proxy's ID",
    "代办人电话": "Proxy's phone",
    "经办人": "Desk worker",
    "经办电话": "Worker's phone",
    "居民": "Resident",
    "匿名（未登记居民信息）": "Anonymous (no resident details)",
    "（未留姓名）": "(no name given)",
    # the case
    "办理事项": "Service",
    "主管部门": "Department",
    "受理状态": "Status",
    "办理时限": "Time limit",
    "承诺办结": "Promised by",
    "区级状态": "District status",
    "办理依据": "Legal basis",
    "设定依据": "Legal basis",
    "办理通道": "Channel",
    "收费标准": "Fee",
    "办理地点": "Where",
    "办理结果": "Result",
    "告知事项": "Service",
    "材料": "Materials",
    "补正期限": "Supplement by",
    "联办事项": "Joint services",
    "已受理": "Accepted",
    "容缺受理（待补交材料）": "Accepted, materials to follow",
    "待补正（材料补齐后受理）": "Awaiting materials (accepted once complete)",
    "区级已接收": "Received by the district",
    "区级已受理": "Accepted by the district",
    "已办结": "Completed",
    "不予办理": "Refused",
    "已转办": "Passed to a department",
    "待处理": "Pending",
    "需补正": "Needs more materials",
    "即办（当场办结）": "Done on the spot",
    "{days}个工作日": "{days} working days",
    "{limit}（自受理之日起）": "{limit} (from acceptance)",
    "{limit}（{detail}）": "{limit} ({detail})",
    "材料补齐受理后计算": "Counted once the materials are complete",
    "（按法定节日推算，以国务院放假通知为准）":
        "(estimated from the statutory holidays; the State Council's holiday notice prevails)",
    "绿色通道（老年人、残疾人、重病等群众优先办理）":
        "Priority channel (the elderly, disabled and seriously ill are served first)",
    "绿色通道": "Priority channel",
    "社区便民服务站或流动办事点": "The community service station or the mobile desk",
    "免费": "Free of charge",
    "已收{received}件": "{received} received",
    "已收{received}件，待补{missing}件": "{received} received, {missing} to follow",
    "已收{received}件，待补{missing}件（{due}前）":
        "{received} received, {missing} to follow (by {due})",
    "{n}项（见申请人留存联）": "{n} (see the applicant's copy)",
    "{n}件": "{n} materials",
    # issue 17's lines (desk/core/receipts/obtained.py)
    "免提交材料": "Materials you need not bring",
    "以下材料由办事点通过部门共享或电子证照获取，无需您提交：{names}。":
        "The desk obtained these through data sharing or electronic licences; you need not "
        "bring them: {names}.",
    "身份信息读自身份证": "Identity read from the ID card",
    # sections
    "联办事项办理情况": "Progress of the joint services",
    "已收材料": "Materials received",
    "待补材料": "Materials still missing",
    "容缺补交材料": "Materials to bring later",
    "申请人承诺": "Applicant's commitment",
    "区级备注": "Note from the district",
    "服务评价（好差评）": "Rate our service",
    "需补正的材料": "Materials to supplement",
    "补正期限与方式": "Deadline and how to supplement",
    "办理条件": "Conditions",
    "申请材料": "Materials required",
    "办理流程": "Steps",
    "温馨提示": "Tips",
    "咨询与监督": "Questions and complaints",
    "当场办结": "Completed on the spot",
    "区级答复": "District's answer",
    # table headers and cells
    "序号": "No.",
    "材料名称": "Material",
    "形式": "Form",
    "要求形式": "Form required",
    "份数": "Copies",
    "补交期限": "Bring by",
    "说明": "Notes",
    "申请的服务": "Service applied for",
    "承办部门": "Department",
    "办理情况": "Progress",
    "原件": "Original",
    "复印件": "Copy",
    "原件及复印件": "Original and copy",
    "电子证照": "Electronic licence",
    "选交": "Optional",
    "必交": "Required",
    "如有请提供": "Please provide if you have it",
    "（无）": "(none)",
    "（未收取纸质材料）": "(no paper materials received)",
    "（已全部补齐）": "(all supplied)",
    "（无需补正）": "(nothing to supplement)",
    "代办时提供": "when a proxy applies",
    # the proxy's materials every item asks for (forms.engine adds them)
    "授权委托书": "Power of attorney",
    "代办人身份证": "Proxy's ID card",
    "★可容缺后补": "★ may be brought later",
    "{name}（{date}补交）": "{name} (brought on {date})",
    # rating
    "非常满意": "Very satisfied",
    "满意": "Satisfied",
    "基本满意": "Fairly satisfied",
    "不满意": "Dissatisfied",
    "非常不满意": "Very dissatisfied",
    "服务评价（好差评）：您已评价“{level}”。感谢您的评价！":
        "Service rating: you rated us \u201c{level}\u201d. Thank you!",
    "服务评价（好差评）：您已评价“{level}”（{when}）。感谢您的评价！":
        "Service rating: you rated us \u201c{level}\u201d ({when}). Thank you!",
    "您已评价：{level}。感谢您的评价！": "You rated us: {level}. Thank you!",
    "您已评价：{level}（{when}）。感谢您的评价！": "You rated us: {level} ({when}). Thank you!",
    "可当场评价，也可在办结前致电{contact}补评。":
        "Rate us here and now, or call {contact} before the case is completed.",
    "服务评价自愿进行：可当场在办事台上评价，也可在办结前致电{contact}补评。"
    "“不满意”“非常不满意”为差评，区政务服务中心将回访核实并督促整改。":
        "Rating is voluntary: rate us at the desk now, or call {contact} before the case is "
        "completed. \u201cDissatisfied\u201d and \u201cVery dissatisfied\u201d are complaints: "
        "the district service centre will call you back and see that it is put right.",
    # signatures and footers
    "申请人（代办人）签字：": "Applicant (or proxy) signature:",
    "申请人（代办人）签收：": "Received by the applicant (or proxy):",
    "经办人签字：": "Desk worker's signature:",
    "被告知人签字：": "Signature of the person informed:",
    "居民签字：": "Resident's signature:",
    "居民签收：": "Received by the resident:",
    "日期：": "Date:",
    "（办事点盖章）": "(Desk's seal)",
    "凭编号 {no} 可向本办事点或{contact}查询办理进度；核验码 {code} 可供核验本凭证真伪。":
        "Ask this desk or {contact} about progress with number {no}; check code {code} "
        "proves this receipt genuine.",
    "本凭证为申请人留存联，存根由办事点电子存档。":
        "This is the applicant's copy; the desk keeps the stub electronically.",
    "扫码核验真伪": "Scan to check it is genuine",
    "核验码 {code}": "Check code {code}",
    # receipts' sentences
    "您申请的“{item}”事项主要材料齐全，经您书面承诺，本办事点予以容缺受理。"
    "请按下列期限补交所缺材料。":
        "The main materials for \u201c{item}\u201d are complete and, on your written "
        "commitment, this desk has accepted the application. Please bring the missing "
        "materials by the dates below.",
    "尚有{n}件材料未交齐，详见《补正材料告知书》。":
        "{n} materials are still missing: see the notice of materials to supplement.",
    "可选材料（如有可补充，不影响办理）：{names}。":
        "Optional materials (bring them if you have them; the case goes on without): {names}.",
    "补交方式：本人或代办人带上述材料到本办事点或社区便民服务站提交，以送达之日为准。":
        "How: you or a proxy bring the materials above to this desk or the community "
        "service station; the day they arrive counts.",
    "逾期后果：{due}前未补交的，本事项暂停办理并告知您；因不可抗力不能按期补交的，"
    "可申请延期；逾期仍未补交的，终止办理并退回申请材料。":
        "If late: without the materials by {due} the case is paused and you are told; if "
        "you cannot bring them for reasons beyond your control, ask for more time; if they "
        "still do not come, the case ends and the materials are returned.",
    "本人自愿申请容缺受理，已知晓上述需补交的材料、形式和期限，承诺于{due}前补交齐全，"
    "所交材料真实有效；未按期补交的，愿意承担暂停或终止办理的后果。":
        "I ask of my own will to be accepted with materials to follow. I know the "
        "materials, forms and dates above and promise to bring them all by {due}, true and "
        "valid; if I do not, I accept that the case is paused or ended.",
    "您申请办理的“{item}”事项，经核查，申请材料不齐全或不符合法定形式。"
    "现将需要补正的全部材料一次性告知如下：":
        "For your application \u201c{item}\u201d, the materials are incomplete or not in "
        "the form the law requires. Everything you still need to bring is listed here, "
        "once and for all:",
    "补正期限：请于{due}前（{days}个工作日内）补齐上述材料。":
        "Deadline: please bring the materials above by {due} (within {days} working days).",
    "补正方式：带上述材料到{desk}或社区便民服务站提交；也可委托他人代办，"
    "须带授权委托书和代办人身份证。":
        "How: bring them to {desk} or the community service station; someone else may "
        "bring them for you with a signed authorisation and their ID card.",
    "材料补齐后即予受理，办理时限自受理之日起计算；已收的材料无需重复提供。":
        "Once complete, the application is accepted and the time limit runs from then; "
        "materials already received need not be brought again.",
    "咨询与投诉：{contact}。": "Questions and complaints: {contact}.",
    "已收材料（无需重复提供）：{names}。": "Materials received (no need to bring again): {names}.",
    "无": "none",
    # the one-time notice
    "★ 可容缺后补：主要材料齐全时，经您书面承诺，可先受理、在规定期限内补交（容缺受理）。":
        "★ May be brought later: when the main materials are complete, on your written "
        "commitment the application is accepted first and these follow within the time "
        "allowed.",
    "以上为办理本事项所需的全部条件和材料，一次性告知。因本告知单未列明的材料"
    "让您多跑一趟的，可向区政务服务中心反映。":
        "These are all the conditions and materials this service needs, told once. If you "
        "have to come again for anything this notice does not list, tell the district "
        "service centre.",
    "目录版本：{version}": "Catalog version: {version}",
    "本人已知晓办理上述事项所需的全部条件和材料。":
        "I have been told all the conditions and materials this service needs.",
    "经办人：{worker}，电话 {phone}；咨询与投诉：{contact}。":
        "Desk worker: {worker}, phone {phone}; questions and complaints: {contact}.",
    "经办人：{worker}；咨询与投诉：{contact}。":
        "Desk worker: {worker}; questions and complaints: {contact}.",
    # the resident request slip
    "地点": "Place",
    "（未填写）": "(not given)",
    "诉求分类": "Category",
    "紧急程度": "Urgency",
    "紧急": "Urgent",
    "一般": "Normal",
    "复杂": "Complex",
    "诉求内容": "Request",
    "首问负责人": "Person responsible",
    "答复方式": "Answer by",
    "答复期限": "Answer by (date)",
    "来源案件": "From case",
    "电话答复": "Phone",
    "当面答复": "In person",
    "无需答复": "No answer needed",
    "办理结果：{result}": "Result: {result}",
    "本诉求由首问负责人 {owner} 跟进到底，移交他人或上报区级时均留有记录；不会因移交而搁置。":
        "{owner}, the first person you spoke to, follows this request through to the end; "
        "any hand-over or referral to the district is recorded, and nothing is dropped "
        "because of it.",
    "凭诉求编号 {no} 可向本办事点或{contact}查询办理进度；核验码 {code} 可供核验本受理单真伪。":
        "Ask this desk or {contact} about progress with request number {no}; check code "
        "{code} proves this slip genuine.",
    "受理编号 {no}（办不成事）": "Receipt no. {no} (could not be done)",
}}
