"""The district's tables for resident matters (民情诉求, issue 15), on the one ``metadata``.

- ``matters`` — one work order (工单) per matter UUID (primary key): the desk's newest
  revision summary (category, urgency, owner, the desk's deadline) and the district's own
  state (``status`` in :data:`sync.protocol.MATTER_STATUSES`, department, deadline
  ``due_at`` — the desk's until an extension moves it —, answer, 回访 satisfaction, redo
  count, escalation, ``sla_state`` as the schedule last computed it);
- ``matter_revisions`` — every revision received, immutable, primary key ``(matter_uuid,
  revision)`` with the content hash: the same revision with other content is a conflict,
  decided by the constraint;
- ``matter_change_bodies`` — what a ``matter`` change says beyond a case status (answer,
  deadline, satisfaction, reason), by the change's ``seq``;
- ``matter_schedule_runs`` — one row per slot of the deadline schedule, inserted by the one
  process that runs it (the primary key is the lock: every other process finds it taken);
- ``matter_configs`` — published versions of the categories, time limits and departments
  (desks pull them as ``matter_config`` changes; ``change_seq`` orders them).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, PrimaryKeyConstraint, String, Table, Text, text

from sync.district.tables import _BigId, metadata

matters = Table(
    "matters", metadata,
    Column("uuid", String(36), primary_key=True),
    Column("desk_id", String(40), nullable=False),
    Column("desk_code", String(32), nullable=False),
    Column("matter_no", String(64), nullable=False),
    Column("category", String(20), nullable=False),
    Column("subcategory", String(20)),
    Column("urgency", String(4), nullable=False),
    Column("description", Text, nullable=False),
    Column("desk_status", String(10), nullable=False),
    Column("owner", String(40), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("from_case", String(36)),
    Column("desk_created_at", String(40), nullable=False),
    Column("desk_updated_at", String(40), nullable=False),
    Column("desk_due_at", String(40), nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("status", String(12), nullable=False, server_default="received"),
    Column("department", String(60)),
    Column("due_at", String(40), nullable=False),  # UTC: text order is time order
    Column("warn_at", String(40), nullable=False),  # 即将超时 from here (UTC)
    Column("answer", Text),
    Column("satisfaction", String(8)),
    Column("redo_count", Integer, nullable=False, server_default="0"),
    Column("escalated_to", String(40)),
    Column("sla_state", String(10), nullable=False, server_default="normal"),
    Column("batch_id", String(36), nullable=False),
    Column("signed_at", String(40)),  # the first 签收 (UTC): 响应率's "in time"
    # the number search's keys (:func:`number_keys`; filled for existing orders by the
    # migration in sync.district.matters_rates): the number reversed (its tail is a prefix
    # of it) and the number from its date part on (``20261203-0001``)
    Column("no_rev", String(64), nullable=False, server_default=""),
    Column("no_tail", String(64), nullable=False, server_default=""),
    Index("matters_status_due", "status", "due_at"),
    Index("matters_status_warn", "status", "warn_at"),
    Index("matters_department", "department", "status"),
    Index("matters_desk", "desk_id", "received_at"),
    # the queue's sorted pages at 1,000,000 orders (issue 15 bench)
    Index("matters_due", "due_at", "uuid"),
    Index("matters_received", "received_at", "uuid"),
    Index("matters_dept_due", "department", "due_at", "uuid"),
    Index("matters_category_due", "category", "subcategory", "due_at", "uuid"),
    Index("matters_desk_due", "desk_code", "due_at", "uuid"),
    # the open orders alone (a few per cent of them): the open queue and overdue list in
    # deadline order, and the queue's headline counts read from the index
    # the number search (matters_console.number_search): a prefix of the number, of the
    # number reversed (its tail) or of its part from the date on, each one index range
    # (with the deadline: a search's orders are sorted in the default order from the index)
    Index("matters_no", "matter_no", "due_at", "uuid"),
    Index("matters_no_rev", "no_rev", "due_at", "uuid"),
    Index("matters_no_tail", "no_tail", "due_at", "uuid"),
    Index("matters_due_tail", "due_at", "uuid", "no_tail"),  # a year's or month's orders
    Index("matters_open_due", "due_at", "uuid", postgresql_where=text("status <> 'closed'"),
          sqlite_where=text("status <> 'closed'")),
    Index("matters_open_counts", "department", "status", "category", "warn_at", "due_at",
          postgresql_where=text("status <> 'closed'"),
          sqlite_where=text("status <> 'closed'")),
)


def number_keys(matter_no: str) -> dict[str, str]:
    """The search keys of a matter number (``HY-QL01-M20261203-0001``): ``no_rev`` — the
    number upper-cased and reversed (``1000-30216202M-10LQ-YH``); ``no_tail`` — what follows
    its last ``-M`` (``20261203-0001``), or "" for a number without one."""
    up = matter_no.upper()
    at = up.rfind("-M")
    return {"no_rev": up[::-1], "no_tail": up[at + 2:] if at >= 0 else ""}


matter_revisions = Table(
    "matter_revisions", metadata,
    Column("matter_uuid", String(36), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("desk_id", String(40), nullable=False),
    Column("batch_id", String(36), nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("payload_json", Text, nullable=False),
    PrimaryKeyConstraint("matter_uuid", "revision"),
)
matter_change_bodies = Table(
    "matter_change_bodies", metadata,
    Column("seq", _BigId, primary_key=True, autoincrement=False),
    Column("body_json", Text, nullable=False),
)
matter_schedule_runs = Table(  # one row per schedule slot: claimed by exactly one process
    "matter_schedule_runs", metadata,
    Column("slot", String(40), primary_key=True),
    Column("ran_at", String(40), nullable=False),
    Column("runner", String(80), nullable=False),
    Column("due_soon", Integer, nullable=False, server_default="0"),
    Column("overdue", Integer, nullable=False, server_default="0"),
    Column("escalated", Integer, nullable=False, server_default="0"),
)
matter_configs = Table(
    "matter_configs", metadata,
    Column("version", String(40), primary_key=True),
    Column("body_json", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("change_seq", _BigId, nullable=False),
    Column("published_at", String(40), nullable=False),
)
# The console's follow-up of a work order (issue 15, console pages): a 办不成事's coordination
# (lead and partner departments, root cause — reported so that one case becomes one kind)
# and the 民情台账's rectification item (整改: department, measure, due date, done).
# One row per matter, written only by :mod:`sync.district.matters_ledger`.
matter_followups = Table(
    "matter_followups", metadata,
    Column("uuid", String(36), primary_key=True),
    Column("root_cause", String(20)),
    Column("lead_department", String(60)),
    Column("partners", Text, nullable=False, server_default=""),  # names joined by 、
    Column("rect_state", String(10)),  # None: no rectification; open / done
    Column("rect_department", String(60)),
    Column("rect_measure", Text),
    Column("rect_due", String(10)),  # YYYY-MM-DD (district local date)
    Column("rect_done_at", String(40)),
    Column("updated_at", String(40), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Index("matter_followups_cause", "root_cause"),
    Index("matter_followups_rect", "rect_state", "rect_due"),
)
# The three rates' summary (sync.district.matters_rates): what the orders received in a
# local month count per department, category and desk; and for the 好差评 board, their 回访
# per desk and owner — moved in the same transaction as every write to an order.
matter_rate_cells = Table(
    "matter_rate_cells", metadata,
    Column("month", String(7), nullable=False),  # YYYY-MM, district local
    Column("department", String(60), nullable=False),  # "" before 派单
    Column("category", String(20), nullable=False),
    Column("desk_code", String(32), nullable=False),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("dispatched", Integer, nullable=False, server_default="0"),
    Column("in_time", Integer, nullable=False, server_default="0"),
    Column("resolved", Integer, nullable=False, server_default="0"),
    Column("rated", Integer, nullable=False, server_default="0"),
    Column("happy", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("month", "department", "category", "desk_code"),
)
matter_board_cells = Table(
    "matter_board_cells", metadata,
    Column("month", String(7), nullable=False),
    Column("desk_code", String(32), nullable=False),
    Column("owner", String(40), nullable=False),
    Column("rated", Integer, nullable=False, server_default="0"),
    Column("happy", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("month", "desk_code", "owner"),
)
