"""A batch's write transaction on an SQLite district keeps its pages in memory until the
commit (issue 20): with SQLite's default 2 MiB page cache, a batch of 500 cases dirtied
more pages than the cache held, and SQLite wrote them to the WAL mid-transaction — then
again at the commit — and read index pages back from the file in the next batch. Real
district storage over an SQLite file; the WAL's size is looked at before the commit."""

from __future__ import annotations

from pathlib import Path

from sync.district.storage import Storage


def test_a_large_batch_is_written_to_the_wal_once_at_its_commit(tmp_path: Path) -> None:
    path = tmp_path / "district.sqlite3"
    st = Storage(f"sqlite:///{path}")
    wal = Path(f"{path}-wal")
    try:
        assert st._wal is not None
        st._wal.close()  # (no checkpoint under way while the WAL is measured)
        payload = "{" + '"x": "' + "案" * 900 + '"}'  # ~2.7 KB, as a case with its form
        with st.write() as conn:
            before = wal.stat().st_size
            conn.exec_driver_sql(  # 4 MB of revisions: twice SQLite's default cache
                "INSERT INTO case_revisions (case_uuid, revision, content_hash, desk_id, "
                "batch_id, received_at, payload_json) VALUES (?, 1, 'h', 'd', 'b', "
                "'2026-12-05T01:00:00Z', ?)",
                [(f"0192f0c4-7a1b-7c3d-8e4f-{i:012d}", payload) for i in range(1500)])
            during = wal.stat().st_size
        after = wal.stat().st_size
        assert during == before, f"pages spilled to the WAL before the commit: {during - before}"
        assert after - before > 4_000_000
        with st.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM case_revisions").scalar() == 1500
    finally:
        st.close()
