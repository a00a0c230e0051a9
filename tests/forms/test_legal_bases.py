"""Legal bases cited from memory, checked against public texts (issue 16).

Checked and right: 户口登记条例 Arts. 10 and 13 (moving out, moving in), 人民调解法 Arts. 4 and
33 (free of charge; judicial confirmation within 30 days), 社会保险法 Art. 54 (maternity
benefits), 反家庭暴力法 Arts. 13 and 14, 民法典 Art. 278 (adding a lift is 改建: the
two-thirds turnout and three-quarters consent), 国务院令 423 (劳动保障监察条例) and 685
(志愿服务条例). Found wrong: the 城市居民委员会组织法 was revised on 28 October 2025 (in force
1 January 2026) — its Art. 3 now sets a committee's size; the duties are in Chapter 2.

Checked later (issue 16, against public full texts found with the search tool):
国务院令 663 is the 居住证暂行条例 (2015-11-26, in force 2016-01-01): Art. 2 (who may apply)
and Art. 9 (where, with what) for 居住证申领 are right; 签注 (once a year, in the month before
each full year, use suspended when late) is Art. 10 — 居住证签注 cited Art. 11, which is
换领/补领 of a damaged or lost permit. 国务院令 724 is the 保障农民工工资支付条例 (2019-12-30, in
force 2020-05-01; 施工总承包单位先行清偿 for a subcontractor's arrears). 人民调解法 Art. 17 (a
party may apply, the committee may act of its own motion, not when a party refuses) is right.
反家庭暴力法 Art. 23 as enacted (not the draft, where only close relatives could apply for a
victim): the court must accept; for a victim without or with limited civil capacity, or who
cannot apply because of coercion or threats, close relatives, the police, the women's
federation, residents' and villagers' committees and relief agencies may apply — 家暴求助 said
"居委会、妇联等可以代为申请" without the condition."""

from __future__ import annotations

from forms.catalog import load_catalog

# a citation found wrong → why
WRONG = {
    "城市居民委员会组织法》第三条":
        "revised 2025-10-28: Art. 3 sets a committee's size (1,000–3,000 households)",
}
# item → what its legal basis must keep citing (checked against the public texts)
CHECKED = {
    "GA-HKQR": "《中华人民共和国户口登记条例》第十条、第十三条",
    "SF-RMTJ": "《中华人民共和国人民调解法》第四条、第十七条、第三十三条",
    "YB-SYJT": "《中华人民共和国社会保险法》第五十四条",
    "FL-JBQZ": "《中华人民共和国反家庭暴力法》第十三条、第十四条、第二十三条",
    "ZJ-JZDT": "《中华人民共和国民法典》第二百七十八条",
    "RS-QXTS": "《劳动保障监察条例》（国务院令第423号）",
    "MZ-ZYZ": "《志愿服务条例》（国务院令第685号）",
    "JW-ZCZX": "《中华人民共和国城市居民委员会组织法》（2025年10月28日修订",
    "GA-JZZ": "《居住证暂行条例》（国务院令第663号）第二条、第九条",
    "GA-JZZQZ": "《居住证暂行条例》（国务院令第663号）第十条；",
    "GA-JZDJ": "《居住证暂行条例》（国务院令第663号）",
}
# an item → a citation of its own found wrong (the article is right for another matter)
MISCITED = {
    "GA-JZZQZ": ("第十一条", "居住证暂行条例 Art. 11 is 换领/补领; 签注 is Art. 10"),
}
# the items' own texts that restate a checked article → what they must say
RESTATED = {
    # 反家庭暴力法 Art. 23 as enacted: others apply only for a victim who cannot
    "FL-JBQZ": ["人身安全保护令；受害人是无民事行为能力人、限制民事行为能力人，或因受到强制、威吓等"
                "无法申请的，其近亲属、公安机关、妇联、居委会等可以代为申请"],
    "RS-QXTS": ["施工总承包单位依法先行清偿"],  # 724 Art. 30
    "SF-RMTJ": ["一方明确拒绝调解的，不得调解"],  # 人民调解法 Art. 17
}


def test_no_item_cites_an_article_found_wrong() -> None:
    cited = [(it.code, wrong) for it in load_catalog().items for wrong in WRONG
             if wrong in it.legal_basis]
    assert cited == [], [f"{code}: {w} — {WRONG[w]}" for code, w in cited]


def test_the_checked_citations_stay() -> None:
    catalog = load_catalog()
    for code, words in CHECKED.items():
        assert words in catalog.get(code).legal_basis, code
    assert "《保障农民工工资支付条例》（国务院令第724号）" in catalog.get("RS-QXTS").legal_basis


def test_no_item_cites_an_article_found_wrong_for_it() -> None:
    catalog = load_catalog()
    cited = [(code, words, why) for code, (words, why) in MISCITED.items()
             if words in catalog.get(code).legal_basis]
    assert cited == [], cited


def test_texts_restating_a_checked_article_say_what_it_says() -> None:
    catalog = load_catalog()
    for code, lines in RESTATED.items():
        item = catalog.get(code)
        said = "\n".join([*item.eligibility, *item.notice.conditions, *item.notice.tips])
        for words in lines:
            assert words in said, (code, words)
