"""Rotating the audit checkpoint signing key (decision 0015, "Keys and their rotation").

Before the keyring, verification trusted one public key: the first rotation made every earlier
checkpoint "not signed by the audit key", so ``audit_verify`` called the whole log tampered with
from then on. Now the keyring (``WAYMARK_AUDIT_PUBLIC_KEY_FILE``) holds every key that has
signed, the old ones marked retired; a checkpoint is checked with the key it names, refused if
that key is unknown or signed after its retirement, and two checkpoints of one batch that
disagree (the key used outside the sequencer) are named.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from waymark.core import clock
from waymark.core.audit import audit_record, audit_verify
from waymark.core.audit_checkpoints import (
    checkpoint_publish,
    key_id,
    keyring_parse,
    signing_key_refusal,
)
from waymark.core.audit_sequencer import audit_seal_once
from waymark.core.models import AuditAction, AuditBatch
from waymark.core.tests.test_audit_sealing_page import _member

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ROTATED = T0 + timedelta(hours=1)


def _key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _private_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _id(key: Ed25519PrivateKey) -> str:
    return key_id(key.public_key())


def _keyring(tmp_path: Path, *entries: tuple[Ed25519PrivateKey, datetime | None]) -> Path:
    """A keyring as an operator writes it: a comment, then each key with its retirement."""
    lines = ["# Waymark audit checkpoint keys: never remove one, mark it retired"]
    for key, retired in entries:
        lines.append(f"Key {_id(key)}")
        if retired is not None:
            lines.append(f"Retired-At: {retired.isoformat()}")
        lines.append(_public_pem(key))
    path = tmp_path / "audit-keyring.pem"
    path.write_text("\n".join(lines))
    return path


def _append(n: int = 2) -> None:
    for _ in range(n):
        audit_record(
            actor=None, action=AuditAction.ALTERATION, verb="test.changed", target_type="test"
        )


def _seal_with(settings, key: Ed25519PrivateKey, at: datetime) -> None:
    settings.WAYMARK_AUDIT_SIGNING_KEY = _private_pem(key)
    _append()
    with clock.frozen(at):
        result = audit_seal_once()
    assert result.published


def _rotated_log(settings) -> tuple[Ed25519PrivateKey, Ed25519PrivateKey]:
    old, new = _key(), _key()
    _seal_with(settings, old, T0)
    _seal_with(settings, old, T0 + timedelta(minutes=30))
    _seal_with(settings, new, ROTATED + timedelta(minutes=5))
    return old, new


def test_after_a_rotation_the_old_keys_checkpoints_still_anchor_the_log(settings, tmp_path):
    old, new = _rotated_log(settings)
    settings.WAYMARK_AUDIT_PUBLIC_KEY_FILE = str(_keyring(tmp_path, (old, ROTATED), (new, None)))
    result = audit_verify()
    assert result.ok, result.problem
    assert result.checkpoints == 3 and result.checked == 6
    assert result.anchored_through == result.sealed_through  # every entry anchored
    call_command("audit_verify")  # exit 0


def test_a_key_removed_from_the_keyring_instead_of_retired_is_named(settings, tmp_path):
    old, new = _rotated_log(settings)
    settings.WAYMARK_AUDIT_PUBLIC_KEY_FILE = str(_keyring(tmp_path, (new, None)))
    result = audit_verify()
    assert not result.ok
    assert f"is signed by key {_id(old)}, which is not in the audit keyring" in result.problem
    with pytest.raises(CommandError, match="Audit log broken at the checkpoint store"):
        call_command("audit_verify")


def test_without_a_keyring_only_the_current_signing_key_is_trusted(settings):
    _rotated_log(settings)  # the new key is the configured signing key
    result = audit_verify()
    assert not result.ok and "not in the audit keyring" in result.problem


def test_a_checkpoint_the_retired_key_signed_after_its_retirement_is_refused(settings, tmp_path):
    old, new = _rotated_log(settings)
    settings.WAYMARK_AUDIT_PUBLIC_KEY_FILE = str(_keyring(tmp_path, (old, ROTATED), (new, None)))
    settings.WAYMARK_AUDIT_SIGNING_KEY = _private_pem(old)  # someone still holding the old key
    newest = AuditBatch.objects.order_by("-number").first()
    with clock.frozen(ROTATED + timedelta(days=2)):
        checkpoint_publish(
            batch=newest.number + 1, last_sequence=newest.last_sequence, batch_hash="0" * 64
        )
    result = audit_verify()
    assert not result.ok
    assert f"was signed by key {_id(old)} at 2026-12-03T10:00:00+00:00" in result.problem
    assert f"after the key was retired at {ROTATED.isoformat()}" in result.problem


def test_the_sequencer_refuses_to_sign_with_a_key_the_keyring_does_not_trust(settings, tmp_path):
    old, new = _key(), _key()
    settings.WAYMARK_AUDIT_SIGNING_KEY = _private_pem(new)
    settings.WAYMARK_AUDIT_PUBLIC_KEY_FILE = str(_keyring(tmp_path, (old, None)))
    assert f"(id {_id(new)}) is not in the keyring" in signing_key_refusal()
    _append()
    with pytest.raises(CommandError, match="is not in the keyring"):
        call_command("audit_seal", "--once")
    assert not AuditBatch.objects.exists()  # nothing sealed with a key no one will trust

    settings.WAYMARK_AUDIT_PUBLIC_KEY_FILE = str(_keyring(tmp_path, (old, None), (new, ROTATED)))
    assert "was retired at" in signing_key_refusal(at=ROTATED)
    assert signing_key_refusal(at=ROTATED - timedelta(seconds=1)) == ""  # retirement ahead

    settings.WAYMARK_AUDIT_PUBLIC_KEY_FILE = str(_keyring(tmp_path, (old, ROTATED), (new, None)))
    assert signing_key_refusal() == ""
    call_command("audit_seal", "--once")
    assert audit_verify().ok


def test_two_checkpoints_of_one_batch_that_disagree_are_named(settings):
    key = _key()
    _seal_with(settings, key, T0)
    batch = AuditBatch.objects.get()
    with clock.frozen(T0 + timedelta(days=1)):  # the same checkpoint again: one more file, agreed
        checkpoint_publish(
            batch=batch.number, last_sequence=batch.last_sequence, batch_hash=batch.batch_hash
        )
    assert audit_verify().ok
    with clock.frozen(T0 + timedelta(days=2)):  # a split view, signed with the real key
        checkpoint_publish(
            batch=batch.number, last_sequence=batch.last_sequence, batch_hash="f" * 64
        )
    result = audit_verify()
    assert not result.ok
    assert "two signed checkpoints of batch 1 disagree" in result.problem
    assert f"the signing key {_id(key)} was used outside the sequencer" in result.problem


def test_a_keyring_that_cannot_be_read_rightly_is_refused_naming_the_line():
    key = _key()
    good = _public_pem(key)
    assert set(keyring_parse(good, source="k.pem")) == {_id(key)}
    refusals = {
        "": "holds no public key",
        "# only a comment\n": "holds no public key",
        _private_pem(key): "not an Ed25519 public key",
        good.replace("-----END PUBLIC KEY-----", ""): "has no END line",
        f"Retired-At: yesterday\n{good}": "line 1: Retired-At 'yesterday' is not a date",
        f"Retired-At: 2026-12-01T09:00:00\n{good}": "with its offset",
        f"{good}\nRetired-At: 2026-12-01T09:00:00+00:00\n{good}": "listed twice",
    }
    for text, why in refusals.items():
        with pytest.raises(ImproperlyConfigured, match=why):
            keyring_parse(text, source="k.pem")
    twice = keyring_parse(f"{good}\n{good}", source="k.pem")  # the same key twice, alike: one
    assert len(twice) == 1


def test_a_keyring_file_that_is_missing_stops_verification_with_a_clear_error(settings, tmp_path):
    settings.WAYMARK_AUDIT_PUBLIC_KEY_FILE = str(tmp_path / "nowhere.pem")
    _append()
    audit_seal_once()
    with pytest.raises(CommandError, match="Cannot verify the audit log: The audit keyring"):
        call_command("audit_verify")


def test_the_sealing_page_in_production_without_the_signing_key_answers(client, settings, tmp_path):
    """The deployment guide gives the signing key to the sequencer only; the web tier read it to
    check the newest checkpoint, so the page answered 500 in production."""
    key = _key()
    _seal_with(settings, key, T0)
    settings.PRODUCTION = True
    settings.WAYMARK_AUDIT_SIGNING_KEY = ""
    settings.WAYMARK_AUDIT_SIGNING_KEY_FILE = ""
    client.force_login(_member("system_admin"))
    page = client.get("/audit/sealing/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Signature not checked" in text and "None readable here" in text

    settings.WAYMARK_AUDIT_PUBLIC_KEY_FILE = str(_keyring(tmp_path, (key, None)))
    text = client.get("/audit/sealing/").content.decode()
    assert f"signed by key <code>{_id(key)}</code>" in text
    assert f"<code>{_id(key)}</code>, current" in text
