"""The database's own work per case in ``bench_sync``'s 50-desk runs (``--db-work``).

- **PostgreSQL**: the temporary cluster starts with ``pg_stat_statements`` preloaded
  (``track=all``, so statements inside functions count too) and ``track_io_timing``; after
  the run, each statement's calls, total and mean execution time, rows, and shared blocks
  hit/dirtied, heaviest first; and per table, the rows inserted / updated (HOT or not) and
  each index's size in pages.
- **Both engines**: per table, the rows it holds after the run per case received, its
  indexes (the primary key and every secondary one) and the index entries written per case
  (rows × indexes, plus a non-HOT update's entries on PostgreSQL).

Printed on stderr and returned as a dict (``db_work`` in the JSON).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, inspect, text

# the tables a pushed case writes to (or may): the per-case table reads them
TABLES = ("batches", "cases", "case_revisions", "resident_items", "resident_locks",
          "receipt_numbers", "desk_records", "desk_sent_counts", "desk_date_flags",
          "case_duplicates", "case_routes", "changes", "rejections", "nonces")


def pg_cluster(durable: bool = False, locale: str = "C") -> Any:
    """A :class:`PgCluster` with ``pg_stat_statements`` loaded."""
    from sync_helpers import PgCluster

    class StatsCluster(PgCluster):
        def _run(self, *cmd: str) -> None:
            if cmd[0] == "pg_ctl" and "start" in cmd:
                i = cmd.index("-o") + 1
                cmd = (*cmd[:i], cmd[i] + " -c shared_preload_libraries=pg_stat_statements"
                       " -c pg_stat_statements.track=all -c track_io_timing=on",
                       *cmd[i + 1:])
            super()._run(*cmd)

    return StatsCluster(durable, locale)


def pg_reset(url: str) -> None:
    """Create the extension and zero its counters (and the tables' statistics)."""
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
        c.execute(text("SELECT pg_stat_statements_reset()"))
        c.execute(text("SELECT pg_stat_reset()"))
    eng.dispose()


def pg_statements(url: str, cases: int, top: int = 25) -> list[dict[str, Any]]:
    eng = create_engine(url)
    with eng.begin() as c:
        rows = c.execute(text(
            "SELECT query, calls, total_exec_time, rows, shared_blks_hit, shared_blks_dirtied, "
            "shared_blks_read, wal_records FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "ORDER BY total_exec_time DESC LIMIT :n"), {"n": top}).mappings().all()
    eng.dispose()
    return [{"ms_total": round(r["total_exec_time"], 1), "calls": r["calls"],
             "ms_per_1000_cases": round(r["total_exec_time"] / cases * 1000, 1),
             "rows": r["rows"], "blks_hit": r["shared_blks_hit"],
             "blks_dirtied": r["shared_blks_dirtied"], "wal_records": r["wal_records"],
             "query": " ".join(r["query"].split())[:160]} for r in rows]


def table_work(url: str, cases: int) -> list[dict[str, Any]]:
    """Per table: rows held per case, indexes, index entries written per case."""
    eng = create_engine(url)
    insp = inspect(eng)
    have = set(insp.get_table_names())
    pg = eng.dialect.name == "postgresql"
    out = []
    with eng.begin() as c:
        stats = {}
        if pg:
            stats = {r["relname"]: r for r in c.execute(text(
                "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, seq_scan, idx_scan "
                "FROM pg_stat_user_tables")).mappings()}
        for t in TABLES:
            if t not in have:
                continue
            n = c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            idx = (["pk"] if insp.get_pk_constraint(t).get("constrained_columns") else []) + [
                i["name"] for i in insp.get_indexes(t)]
            row: dict[str, Any] = {"table": t, "rows_per_case": round(n / cases, 3),
                                   "indexes": len(idx), "index_names": idx}
            if pg and t in stats:
                s = stats[t]
                cold = s["n_tup_upd"] - s["n_tup_hot_upd"]
                row.update(seq_scans=s["seq_scan"], idx_scans=s["idx_scan"],
                           ins_per_case=round(s["n_tup_ins"] / cases, 3),
                           upd_per_case=round(s["n_tup_upd"] / cases, 3),
                           hot_upd_per_case=round(s["n_tup_hot_upd"] / cases, 3),
                           index_entries_per_case=round(
                               (s["n_tup_ins"] + cold) * len(idx) / cases, 3))
            else:
                row["index_entries_per_case"] = round(n * len(idx) / cases, 3)
            out.append(row)
    eng.dispose()
    return out


def report(name: str, res: dict[str, Any]) -> str:
    lines = [f"== database work per case: {name} =="]
    for t in res["tables"]:
        lines.append(f"  {t['table']:18} rows/case {t['rows_per_case']:<6} "
                     f"indexes {t['indexes']} entries/case {t['index_entries_per_case']:<6} "
                     + (f"ins {t.get('ins_per_case')} upd {t.get('upd_per_case')} "
                        f"hot {t.get('hot_upd_per_case')} seq scans {t.get('seq_scans')} "
                        f"index scans {t.get('idx_scans')} " if "ins_per_case" in t else "")
                     + ",".join(t["index_names"]))
    total = sum(t["index_entries_per_case"] for t in res["tables"])
    rows = sum(t.get("ins_per_case", t["rows_per_case"]) for t in res["tables"])
    lines.append(f"  total: {rows:.2f} rows, {total:.2f} index entries per case")
    for s in res.get("statements", []):
        lines.append(f"  {s['ms_per_1000_cases']:>7} ms/1000 cases  calls {s['calls']:>5} "
                     f"rows {s['rows']:>6} dirtied {s['blks_dirtied']:>5}  {s['query']}")
    return "\n".join(lines)
