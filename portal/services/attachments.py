"""Stored attachments (NNC letters, complaint evidence): one row per distinct content, kept in the database.

Shared infrastructure: a record type keeps its own link table (file name, who, when) pointing at
`attachment_blobs.hash`; this module only checks, stores and fetches the content.

    problem = attachments.problem(filename, data)      # None, or (message key, params) — no database needed
    digest = attachments.store(session, filename, data)  # raises InvalidInput({"attachment": …}) when refused
    blob = attachments.fetch(session, digest)            # .content, .mime_type, .size; NotFound when missing

The type is decided by the first bytes of the content, never by the file name, so a renamed program
posing as a PDF is refused.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import AttachmentBlob
from models.base import utcnow
from portal.validation import InvalidInput, NotFound

MAX_BYTES = 10 * 1024 * 1024
# (signature, MIME type, what people call it): PDF, JPEG, PNG only.
SIGNATURES = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


@dataclass(frozen=True)
class Blob:
    hash: str
    content: bytes
    mime_type: str
    size: int


def detect_type(data: bytes) -> str | None:
    """The MIME type the content really has (PDF, JPEG or PNG), or None for anything else."""
    for signature, mime_type, _name in SIGNATURES:
        if data.startswith(signature):
            return mime_type
    return None


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def size_label(size: int) -> str:
    """A size the way people say it: 10,5 MB, 320 KB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".replace(".", ",") + " MB"
    return f"{max(1, round(size / 1024))} KB"


def problem(filename: str, data: bytes | None) -> tuple[str, dict] | None:
    """Why this file cannot be stored, as (message key, params); None when it can."""
    name = clean_filename(filename)
    if not data:
        return "attachments.error.empty", {"filename": name}
    if len(data) > MAX_BYTES:
        return "attachments.error.too_large", {"filename": name, "size": size_label(len(data)),
                                               "max": size_label(MAX_BYTES)}
    if detect_type(data) is None:
        return "attachments.error.type", {"filename": name}
    return None


def clean_filename(filename: str | None) -> str:
    """The last path part, without control characters, at most 255 characters (it is shown and downloaded)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>').strip()
    return (name or "lampiran")[-255:]


def store(session: Session, filename: str, data: bytes, field: str = "attachment") -> str:
    """Check a file by its content and size, keep it once per distinct content, and return its sha256."""
    found = problem(filename, data)
    if found is not None:
        raise InvalidInput({field: found})
    key = digest(data)
    if session.get(AttachmentBlob, key) is None:
        _insert_once(session, key, data)
    return key


def _insert_once(session: Session, key: str, data: bytes) -> None:
    """Insert the content unless another transaction stored the same bytes first."""
    values = {"hash": key, "content": data, "size": len(data), "mime_type": detect_type(data),
              "created_at": utcnow()}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - the portal runs on PostgreSQL or SQLite
        session.add(AttachmentBlob(**values))
        session.flush()
        return
    session.execute(insert(AttachmentBlob).values(**values).on_conflict_do_nothing(index_elements=["hash"]))


def fetch(session: Session, key: str) -> Blob:
    """The stored content for a hash; NotFound when there is none."""
    row = session.execute(select(AttachmentBlob.hash, AttachmentBlob.content, AttachmentBlob.mime_type,
                                 AttachmentBlob.size).where(AttachmentBlob.hash == key)).first()
    if row is None:
        raise NotFound(key)
    return Blob(hash=row.hash, content=bytes(row.content), mime_type=row.mime_type, size=row.size)


def exists(session: Session, key: str) -> bool:
    return session.scalar(select(AttachmentBlob.hash).where(AttachmentBlob.hash == key)) is not None
