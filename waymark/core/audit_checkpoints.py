"""Signed checkpoints of the audit log, published outside the database (decision 0015).

A checkpoint says "the audit log of ``origin`` through batch N, which ends at entry #S, has batch
hash H", signed with Ed25519. The sequencer writes one file per checkpoint into an append-only
store (``WAYMARK_AUDIT_CHECKPOINT_DIR``: a directory here; in production a bucket with a retention
lock, docs/deployment.md); a file is created once and never rewritten. Someone with every right on
the database but without the signing key cannot make a checkpoint, nor remove one.

The private key comes from ``WAYMARK_AUDIT_SIGNING_KEY`` (PEM, or the 32-byte raw key in base64)
or ``WAYMARK_AUDIT_SIGNING_KEY_FILE`` (a PEM file), never from the database. Outside production,
with neither set, a key is made once in ``var/audit-signing-key.pem``. Verification uses
``WAYMARK_AUDIT_PUBLIC_KEY_FILE`` if set, else the signing key's public half.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from waymark.core import clock


class CheckpointStoreError(Exception):
    """The checkpoint store cannot be read or written."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    batch: int
    last_sequence: int
    batch_hash: str
    published_at: str
    key_id: str
    signature: str
    path: str = ""

    def body(self) -> bytes:
        return _body(
            self.origin, self.batch, self.last_sequence, self.batch_hash, self.published_at
        )


def _body(origin: str, batch: int, last_sequence: int, batch_hash: str, published_at: str) -> bytes:
    content = {
        "log": "waymark-audit-checkpoint/1",
        "origin": origin,
        "batch": batch,
        "last_sequence": last_sequence,
        "batch_hash": batch_hash,
        "published_at": published_at,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


def origin() -> str:
    return getattr(settings, "WAYMARK_AUDIT_ORIGIN", "") or "waymark"


def store_dir() -> Path:
    configured = getattr(settings, "WAYMARK_AUDIT_CHECKPOINT_DIR", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "audit-checkpoints"


def _load_private(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
    else:
        key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("The audit signing key must be an Ed25519 private key")
    return key


def signing_key() -> Ed25519PrivateKey:
    """The checkpoint signing key, from the environment or a file (see the module's docstring)."""
    inline = getattr(settings, "WAYMARK_AUDIT_SIGNING_KEY", "") or os.environ.get(
        "WAYMARK_AUDIT_SIGNING_KEY", ""
    )
    if inline:
        return _load_private(inline)
    path = getattr(settings, "WAYMARK_AUDIT_SIGNING_KEY_FILE", "") or os.environ.get(
        "WAYMARK_AUDIT_SIGNING_KEY_FILE", ""
    )
    if path:
        return _load_private(Path(path).read_text())
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "Set WAYMARK_AUDIT_SIGNING_KEY or WAYMARK_AUDIT_SIGNING_KEY_FILE to the audit "
            "checkpoint signing key (Ed25519; docs/deployment.md)"
        )
    generated = Path(settings.VAR_DIR) / "audit-signing-key.pem"
    if not generated.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(generated, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    return _load_private(generated.read_text())


def verification_key() -> Ed25519PublicKey:
    path = getattr(settings, "WAYMARK_AUDIT_PUBLIC_KEY_FILE", "") or os.environ.get(
        "WAYMARK_AUDIT_PUBLIC_KEY_FILE", ""
    )
    if path:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise ImproperlyConfigured("The audit public key must be an Ed25519 public key")
        return key
    return signing_key().public_key()


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _path_for(batch: int, published_at: datetime) -> Path:
    day = published_at.astimezone(UTC)
    return store_dir() / origin() / f"{day:%Y/%m/%d}" / f"{batch:012d}.json"


def checkpoint_publish(*, batch: int, last_sequence: int, batch_hash: str) -> Checkpoint:
    """Sign and write the checkpoint for ``batch``: a new file, never an overwrite (if this batch
    already has one, that one stands). Raises ``CheckpointStoreError`` if the store cannot be
    written (sealing goes on; verification names the unanchored range)."""
    key = signing_key()
    now = clock.now()
    published_at = now.isoformat()
    body = _body(origin(), batch, last_sequence, batch_hash, published_at)
    checkpoint = Checkpoint(
        origin=origin(),
        batch=batch,
        last_sequence=last_sequence,
        batch_hash=batch_hash,
        published_at=published_at,
        key_id=key_id(key.public_key()),
        signature=base64.b64encode(key.sign(body)).decode(),
    )
    path = _path_for(batch, now)
    document = {
        "checkpoint": json.loads(body),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }
    try:
        root = store_dir()
        if not root.is_dir():
            raise CheckpointStoreError(f"The checkpoint store {root} does not exist")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x") as handle:
            json.dump(document, handle, sort_keys=True, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        path.chmod(0o444)
    except FileExistsError:
        pass
    except OSError as error:
        raise CheckpointStoreError(str(error)) from error
    return checkpoint


@dataclass(frozen=True)
class CheckpointRead:
    """The checkpoints found in the store: the well-signed ones by batch, and the files that are
    not (unreadable, or signed by another key)."""

    present: bool
    by_batch: dict[int, Checkpoint]
    bad: list[str]


def checkpoints_read() -> CheckpointRead:
    root = store_dir() / origin()
    if not store_dir().is_dir():
        return CheckpointRead(False, {}, [])
    public = verification_key()
    by_batch: dict[int, Checkpoint] = {}
    bad: list[str] = []
    for path in sorted(root.rglob("*.json")) if root.is_dir() else []:
        try:
            checkpoint = _checkpoint_load(path, public)
        except (ValueError, KeyError, TypeError, InvalidSignature, OSError):
            bad.append(str(path))
            continue
        if checkpoint.origin != origin():
            bad.append(str(path))
            continue
        by_batch.setdefault(checkpoint.batch, checkpoint)
    return CheckpointRead(True, by_batch, bad)


def _checkpoint_load(path: Path, public: Ed25519PublicKey) -> Checkpoint:
    """One checkpoint file, its signature checked (raises if unreadable or not well signed)."""
    document: dict[str, Any] = json.loads(path.read_text())
    content = document["checkpoint"]
    checkpoint = Checkpoint(
        origin=content["origin"],
        batch=int(content["batch"]),
        last_sequence=int(content["last_sequence"]),
        batch_hash=content["batch_hash"],
        published_at=content["published_at"],
        key_id=document.get("key_id", ""),
        signature=document["signature"],
        path=str(path),
    )
    public.verify(base64.b64decode(checkpoint.signature), checkpoint.body())
    return checkpoint


@dataclass(frozen=True)
class LatestCheckpoint:
    """The newest checkpoint file in the store, read alone (the sealing page; verification reads
    them all). ``checkpoint`` is None when the store is missing or empty, or the newest file is
    not well signed (``bad`` names it)."""

    present: bool
    checkpoint: Checkpoint | None
    bad: str = ""


def checkpoint_latest() -> LatestCheckpoint:
    """The newest checkpoint: the highest batch file of the newest day directory (files are laid
    out ``origin/YYYY/MM/DD/<batch>.json`` and batches only grow), so one file is read."""
    if not store_dir().is_dir():
        return LatestCheckpoint(False, None)
    folder = store_dir() / origin()
    for _ in range(3):  # year, month, day
        if not folder.is_dir():
            return LatestCheckpoint(True, None)
        children = sorted((p for p in folder.iterdir() if p.is_dir()), reverse=True)
        if not children:
            return LatestCheckpoint(True, None)
        folder = children[0]
    files = sorted(folder.glob("*.json"), reverse=True) if folder.is_dir() else []
    if not files:
        return LatestCheckpoint(True, None)
    try:
        checkpoint = _checkpoint_load(files[0], verification_key())
    except (ValueError, KeyError, TypeError, InvalidSignature, OSError):
        return LatestCheckpoint(True, None, bad=str(files[0]))
    return LatestCheckpoint(True, checkpoint)
