"""Signed checkpoints of the audit log, published outside the database (decision 0015).

A checkpoint says "the audit log of ``origin`` through batch N, which ends at entry #S, has batch
hash H", signed with Ed25519. The sequencer writes one file per checkpoint into an append-only
store (``WAYMARK_AUDIT_CHECKPOINT_DIR``: a directory here; in production a bucket with a retention
lock, docs/deployment.md); a file is created once and never rewritten. Someone with every right on
the database but without the signing key cannot make a checkpoint, nor remove one.

The private key comes from ``WAYMARK_AUDIT_SIGNING_KEY`` (PEM, or the 32-byte raw key in base64)
or ``WAYMARK_AUDIT_SIGNING_KEY_FILE`` (a PEM file), never from the database. Outside production,
with neither set, a key is made once in ``var/audit-signing-key.pem``.

Verification trusts the keys in the **keyring**, ``WAYMARK_AUDIT_PUBLIC_KEY_FILE``: one or more PEM
public keys, each optionally preceded (in the PEM's explanatory text, RFC 7468 §2) by a line
``Retired-At: 2026-12-07T12:00:00+00:00``. A key is rotated by adding the new public key and
marking the old one retired, never by removing it: the checkpoints it signed stay valid, and one
it signed after its retirement is refused. Each checkpoint names its key (``key_id``). Without a
keyring, the signing key's public half is the only key trusted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
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


class CheckpointRefused(Exception):
    """A checkpoint file that is not to be trusted; the message completes "checkpoint file X ..."."""


RETIRED_AT = "retired-at:"


@dataclass(frozen=True)
class TrustedKey:
    """A public key checkpoints may be signed with, and when it stopped signing (if it has)."""

    key_id: str
    public: Ed25519PublicKey
    retired_at: datetime | None = None


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


def keyring_file() -> str:
    return getattr(settings, "WAYMARK_AUDIT_PUBLIC_KEY_FILE", "") or os.environ.get(
        "WAYMARK_AUDIT_PUBLIC_KEY_FILE", ""
    )


def keyring_parse(text: str, *, source: str) -> dict[str, TrustedKey]:
    """The keys of a keyring file (see the module's docstring), by key id. Anything that is not
    a well-formed Ed25519 public key, or a ``Retired-At`` that is not a time with its offset, is
    refused naming the line: a keyring read wrongly would call honest checkpoints forged."""
    keys: dict[str, TrustedKey] = {}
    retired_at: datetime | None = None
    block: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if block is None:
            if stripped.startswith("-----BEGIN"):
                block = [stripped]
            elif stripped.lower().startswith(RETIRED_AT):
                value = stripped[len(RETIRED_AT) :].strip()
                try:
                    retired_at = datetime.fromisoformat(value)
                except ValueError:
                    retired_at = None
                if retired_at is None or retired_at.tzinfo is None:
                    raise ImproperlyConfigured(
                        f"{source}, line {number}: Retired-At {value!r} is not a date and time "
                        "with its offset, such as 2026-12-07T12:00:00+00:00"
                    )
            continue
        block.append(stripped)
        if not stripped.startswith("-----END"):
            continue
        try:
            public = serialization.load_pem_public_key("\n".join(block).encode())
        except ValueError:
            public = None
        if not isinstance(public, Ed25519PublicKey):
            raise ImproperlyConfigured(
                f"{source}, the key ending on line {number}: not an Ed25519 public key "
                "(`openssl pkey -in key.pem -pubout` makes one; never give verifiers the private key)"
            )
        trusted = TrustedKey(key_id(public), public, retired_at)
        if trusted.key_id in keys and keys[trusted.key_id].retired_at != retired_at:
            raise ImproperlyConfigured(
                f"{source}: key {trusted.key_id} is listed twice, with different retirements"
            )
        keys[trusted.key_id] = trusted
        block, retired_at = None, None
    if block is not None:
        raise ImproperlyConfigured(f"{source}: the last key has no END line")
    if not keys:
        raise ImproperlyConfigured(f"{source} holds no public key")
    return keys


def verification_keys() -> dict[str, TrustedKey]:
    """The keys checkpoints are checked with, by key id: the keyring if one is configured, else
    the signing key's public half. Raises ``ImproperlyConfigured`` when there is neither (in
    production the web tier is not given the signing key: it needs the keyring)."""
    path = keyring_file()
    if path:
        try:
            text = Path(path).read_text()
        except (OSError, UnicodeDecodeError) as error:
            raise ImproperlyConfigured(
                f"The audit keyring {path} cannot be read: {error}"
            ) from error
        return keyring_parse(text, source=path)
    public = signing_key().public_key()
    return {key_id(public): TrustedKey(key_id(public), public)}


def signing_key_refusal(at: datetime | None = None) -> str:
    """Why the sequencer must not sign with its key, or "" if it may: with a keyring configured,
    the signing key must be in it and not retired, or every checkpoint it signs would fail
    verification (a rotation half done)."""
    if not keyring_file():
        return ""
    keys = verification_keys()
    signing = key_id(signing_key().public_key())
    trusted = keys.get(signing)
    if trusted is None:
        return (
            f"The audit signing key (id {signing}) is not in the keyring {keyring_file()}: every "
            "checkpoint it signs would fail verification. Add its public half "
            "(`openssl pkey -in key.pem -pubout`) to the keyring first."
        )
    if trusted.retired_at is not None and trusted.retired_at <= (at or clock.now()):
        return (
            f"The audit signing key (id {signing}) was retired at {trusted.retired_at.isoformat()} "
            f"in the keyring {keyring_file()}: sign with the new key."
        )
    return ""


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
class BadCheckpoint:
    path: str
    reason: str  # completes "checkpoint file <path> ..."


@dataclass(frozen=True)
class CheckpointRead:
    """The checkpoints found in the store: the well-signed ones by batch; the files that are not
    to be trusted (unreadable, signed by a key not in the keyring or after its retirement); and
    pairs of well-signed checkpoints of one batch that disagree (the key used outside the
    sequencer: RFC 9162 calls it a split view)."""

    present: bool
    by_batch: dict[int, Checkpoint]
    bad: list[BadCheckpoint]
    conflicts: list[tuple[Checkpoint, Checkpoint]] = field(default_factory=list)


def _day_dirs(root: Path) -> list[tuple[date, Path]]:
    """The store's day directories (``YYYY/MM/DD``), oldest first; anything else is ignored."""
    days: list[tuple[date, Path]] = []
    for path in root.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]"):
        try:
            day = date(int(path.parent.parent.name), int(path.parent.name), int(path.name))
        except ValueError:
            continue
        if path.is_dir():
            days.append((day, path))
    return sorted(days)


def checkpoints_read(since: datetime | None = None) -> CheckpointRead:
    """Every checkpoint in the store, or with ``since`` only those published from that day on
    and the newest one before it (the anchor an incremental verification starts from): the store
    holds a checkpoint a sealing pass, about 86,000 a busy day, so reading every file for a
    day's verification would grow with the log's age."""
    root = store_dir() / origin()
    if not store_dir().is_dir():
        return CheckpointRead(False, {}, [])
    keys = verification_keys()
    by_batch: dict[int, Checkpoint] = {}
    bad: list[BadCheckpoint] = []
    conflicts: list[tuple[Checkpoint, Checkpoint]] = []

    def read(paths) -> bool:
        found = False
        for path in paths:
            try:
                checkpoint = _checkpoint_load(path, keys)
            except CheckpointRefused as refused:
                bad.append(BadCheckpoint(str(path), str(refused)))
                continue
            found = True
            earlier = by_batch.setdefault(checkpoint.batch, checkpoint)
            if (earlier.batch_hash, earlier.last_sequence) != (
                checkpoint.batch_hash,
                checkpoint.last_sequence,
            ):
                conflicts.append((earlier, checkpoint))
        return found

    if not root.is_dir():
        return CheckpointRead(True, by_batch, bad, conflicts)
    if since is None:
        read(sorted(root.rglob("*.json")))
        return CheckpointRead(True, by_batch, bad, conflicts)
    days = _day_dirs(root)
    first_day = since.astimezone(UTC).date()
    for _, folder in reversed([d for d in days if d[0] < first_day]):
        if read(sorted(folder.glob("*.json"))):  # the newest day before holding a checkpoint
            break
    for _, folder in (d for d in days if d[0] >= first_day):
        read(sorted(folder.glob("*.json")))
    return CheckpointRead(True, by_batch, bad, conflicts)


def _checkpoint_load(path: Path, keys: dict[str, TrustedKey]) -> Checkpoint:
    """One checkpoint file, its signature checked with the key it names. Raises
    ``CheckpointRefused`` saying why if it is unreadable, names another log, is signed by a key
    not in the keyring, does not verify, or was signed after its key's retirement."""
    try:
        return _checkpoint_checked(path, keys)
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise CheckpointRefused(
            f"is not a checkpoint signed by the audit key (unreadable: {error})"
        ) from error


def _checkpoint_checked(path: Path, keys: dict[str, TrustedKey]) -> Checkpoint:
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
    if checkpoint.origin != origin():
        raise CheckpointRefused(
            f"is a checkpoint of the log {checkpoint.origin!r}, not {origin()!r}"
        )
    signature = base64.b64decode(checkpoint.signature, validate=True)
    if not checkpoint.key_id:  # not written by this code; any trusted key may have signed it
        candidates = list(keys.values())
    elif checkpoint.key_id in keys:
        candidates = [keys[checkpoint.key_id]]
    else:
        raise CheckpointRefused(
            f"is signed by key {checkpoint.key_id}, which is not in the audit keyring "
            "(a key retired by removing it instead of marking it retired, or not ours)"
        )
    trusted = None
    for candidate in candidates:
        try:
            candidate.public.verify(signature, checkpoint.body())
        except InvalidSignature:
            continue
        trusted = candidate
        break
    if trusted is None:
        raise CheckpointRefused("is not a checkpoint signed by the audit key (bad signature)")
    published = datetime.fromisoformat(checkpoint.published_at)
    if trusted.retired_at is not None and published > trusted.retired_at:
        raise CheckpointRefused(
            f"was signed by key {trusted.key_id} at {checkpoint.published_at}, after the key was "
            f"retired at {trusted.retired_at.isoformat()}"
        )
    return checkpoint


@dataclass(frozen=True)
class LatestCheckpoint:
    """The newest checkpoint file in the store, read alone (the sealing page; verification reads
    them all). ``checkpoint`` is None when the store is missing or empty, or the newest file is
    not well signed (``bad`` names it)."""

    present: bool
    checkpoint: Checkpoint | None
    bad: str = ""
    bad_reason: str = ""
    no_keys: str = ""  # why signatures cannot be checked here (no keyring, no signing key)


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
        keys = verification_keys()
    except ImproperlyConfigured as error:
        return LatestCheckpoint(True, None, no_keys=str(error))
    try:
        checkpoint = _checkpoint_load(files[0], keys)
    except CheckpointRefused as refused:
        return LatestCheckpoint(True, None, bad=str(files[0]), bad_reason=str(refused))
    return LatestCheckpoint(True, checkpoint)
