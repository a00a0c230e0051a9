"""Legal bases cited from memory, checked against public texts (issue 16).

Checked and right: 户口登记条例 Arts. 10 and 13 (moving out, moving in), 人民调解法 Arts. 4 and
33 (free of charge; judicial confirmation within 30 days), 社会保险法 Art. 54 (maternity
benefits), 反家庭暴力法 Arts. 13 and 14, 民法典 Art. 278 (adding a lift is 改建: the
two-thirds turnout and three-quarters consent), 国务院令 423 (劳动保障监察条例) and 685
(志愿服务条例). Found wrong: the 城市居民委员会组织法 was revised on 28 October 2025 (in force
1 January 2026) — its Art. 3 now sets a committee's size; the duties are in Chapter 2."""

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
}


def test_no_item_cites_an_article_found_wrong() -> None:
    cited = [(it.code, wrong) for it in load_catalog().items for wrong in WRONG
             if wrong in it.legal_basis]
    assert cited == [], [f"{code}: {w} — {WRONG[w]}" for code, w in cited]


def test_the_checked_citations_stay() -> None:
    catalog = load_catalog()
    for code, words in CHECKED.items():
        assert words in catalog.get(code).legal_basis, code
