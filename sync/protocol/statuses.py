"""The case and route statuses both sides speak, each enumeration once: the ``Literal`` the
models check, and its values as a tuple derived from it.
"""

from __future__ import annotations

from typing import Literal, get_args

# each enumeration once: the Literal the models check, and its values as a tuple
RecordResultKind = Literal["accepted", "duplicate", "conflict", "rejected"]
RECORD_RESULTS: tuple[str, ...] = get_args(RecordResultKind)
DeskCaseStatus = Literal["draft", "accepted", "deferred", "correction", "completed"]
DESK_CASE_STATUSES: tuple[str, ...] = get_args(DeskCaseStatus)
DISTRICT_STATUSES = ("received", "accepted", "needs_correction", "completed", "rejected",
                     "routed")
CLOSED_STATUSES = ("completed", "rejected")
# A bundle (一件事) case's route to one member item's department has its own lifecycle:
# pending → accepted → completed, or rejected (with the reason) / needs_correction (with a
# note, then accepted again). The bundle case is complete when every route is closed.
ROUTE_STATUSES = ("pending", "accepted", "needs_correction", "completed", "rejected")
ROUTE_CLOSED = ("completed", "rejected")
ROUTE_NEXT = {  # route status → the statuses it may move to
    "pending": ("accepted", "needs_correction", "rejected"),
    "accepted": ("completed", "needs_correction", "rejected"),
    "needs_correction": ("accepted", "rejected"),
    "completed": (), "rejected": (),
}
