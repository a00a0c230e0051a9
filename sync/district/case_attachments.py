"""Which case and material each uploaded page belongs to (issue 17), on the district side.

A desk uploads a page's bytes first (content-addressed, resumable:
:mod:`sync.district.attachments`), then links it: ``case_attachments`` holds one row per
page — its ``attachment_id`` (made on the desk, the primary key: a resent link is a
duplicate, never a second row), the case, the material, the page number, the type and
the SHA-256 of the bytes. A link is taken only for a case this desk (or the desk it
replaced) sent, and only for bytes this desk uploaded (promise 7: a desk acts only for
itself, and learns nothing of another desk's files).

The console reads :func:`pages_of_case` for a case's page (images for reviewers, audited).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Column, Integer, String, Table, select

from sync import protocol as P
from sync.district.tables import attachment_holders, attachments, cases, metadata

if TYPE_CHECKING:
    from sync.district.database import Database

case_attachments = Table(
    "case_attachments", metadata,
    Column("attachment_id", String(36), primary_key=True),
    Column("case_uuid", String(36), nullable=False, index=True),
    Column("desk_id", String(40), nullable=False),
    Column("material", String(200), nullable=False),
    Column("page", Integer, nullable=False),
    Column("mime", String(40), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("pages", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),  # the desk's clock
    Column("received_at", String(40), nullable=False),  # the district's
)

_SAME = ("case_uuid", "material", "page", "mime", "size", "sha256")


def link_attachments(db: Database, desk_id: str, req: P.AttachmentLinksRequest
                     ) -> P.AttachmentLinksResponse:
    """Record the links of one desk's uploaded pages; idempotent, one transaction."""
    from sync.district.replacement import lineage  # (tables imports this module)

    now = P.utc_now()
    out: list[P.AttachmentLinkResult] = []
    with db.write() as conn:
        mine = set(lineage(conn, desk_id))
        uuids = sorted({str(ln.case_uuid) for ln in req.links})
        owners = {u: d for u, d in conn.execute(
            select(cases.c.uuid, cases.c.desk_id).where(cases.c.uuid.in_(uuids)))}
        shas = sorted({ln.sha256 for ln in req.links})
        held = {s for (s,) in conn.execute(select(attachment_holders.c.sha256).where(
            attachment_holders.c.sha256.in_(shas), attachment_holders.c.desk_id == desk_id))}
        sizes = dict(conn.execute(select(attachments.c.sha256, attachments.c.size).where(
            attachments.c.sha256.in_(held))).all())
        for ln in req.links:
            aid, case = str(ln.attachment_id), str(ln.case_uuid)

            def result(kind: P.AttachmentLinkResultKind, reason: str | None = None,
                       aid: str = aid) -> None:
                out.append(P.AttachmentLinkResult(attachment_id=aid, result=kind,
                                                  reason=reason))

            if owners.get(case) not in mine:  # unknown, or another desk's: the same words
                result("rejected", "区级系统尚未收到该案件，请先同步案件")
                continue
            if ln.sha256 not in held or sizes.get(ln.sha256) != ln.size:
                result("rejected", "附件内容尚未上传完成")
                continue
            row = {"attachment_id": aid, "case_uuid": case, "desk_id": desk_id,
                   "material": ln.material, "page": ln.page, "mime": ln.mime,
                   "size": ln.size, "sha256": ln.sha256, "pages": ln.pages,
                   "created_at": ln.created_at, "received_at": now}
            done = conn.execute(db.dialect_insert(case_attachments).values(**row)
                                .on_conflict_do_nothing()
                                .returning(case_attachments.c.attachment_id)).first()
            if done is not None:
                result("accepted")
                continue
            old = conn.execute(select(case_attachments).where(
                case_attachments.c.attachment_id == aid)).mappings().one()
            if old["desk_id"] in mine and all(old[k] == row[k] for k in _SAME):
                result("duplicate")
            else:
                result("conflict", "该附件编号已用于另一页")
    return P.AttachmentLinksResponse(results=out)


def pages_of_case(db: Database, case_uuid: str) -> list[dict[str, Any]]:
    """A case's linked pages, by material and page (no bytes)."""
    with db.read() as conn:
        return [dict(r) for r in conn.execute(
            select(case_attachments).where(case_attachments.c.case_uuid == case_uuid)
            .order_by(case_attachments.c.material, case_attachments.c.page,
                      case_attachments.c.received_at)).mappings()]


def page_of_case(db: Database, case_uuid: str, sha256: str) -> dict[str, Any] | None:
    """The first page of a case with these bytes, or None."""
    with db.read() as conn:
        row = conn.execute(select(case_attachments).where(
            case_attachments.c.case_uuid == case_uuid,
            case_attachments.c.sha256 == sha256).limit(1)).mappings().first()
    return dict(row) if row else None
