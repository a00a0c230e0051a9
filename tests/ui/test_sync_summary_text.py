"""The sync page's one-sentence summary says when the district was restored (issue 22)."""

from __future__ import annotations

from desk.ui.sync_page import summary_text


def test_summary_says_the_district_was_restored_and_what_was_sent_again() -> None:
    base = {"pushed": 8, "accepted": 8, "duplicates": 0, "conflicts": 0, "rejected": 0,
            "pulled": 2, "pending": 0, "error": None}
    assert "备份恢复" not in summary_text(base)
    restored = summary_text(dict(base, epoch_changed=True, resent=8))
    assert "区级数据已从备份恢复" in restored and "补传区级缺少的 8 条记录" in restored
    assert "已补传" in summary_text(dict(base, resent=3)) and "备份" not in summary_text(
        dict(base, resent=3))
    unknown = summary_text(dict(base, error={
        "code": "unknown_desk", "message": "区级系统不认识本办事点（区级数据可能已从备份恢复）。"
                                           "请向区级管理员申请新的注册码"}))
    assert unknown.startswith("同步未完成：区级系统不认识本办事点") and "注册码" in unknown


def test_summary_says_how_many_pages_went_and_wait() -> None:
    """Issue 17: the photos and scans lane in the worker's words."""
    base = {"pushed": 1, "accepted": 1, "pulled": 0, "pending": 0, "error": None,
            "attachments_sent": 0, "attachments_waiting": 0, "attachments_error": None}
    assert "材料照片" not in summary_text(base)
    text = summary_text(dict(base, attachments_sent=3, attachments_waiting=2))
    assert "材料照片和扫描件：已上传 3 页，待上传 2 页" in text
    cut = summary_text(dict(base, attachments_waiting=2, attachments_error={
        "message": "网络连接中断"}))
    assert "照片上传中断，下次同步时从断点继续：网络连接中断" in cut
    assert not cut.startswith("同步未完成")  # the records' round itself completed
