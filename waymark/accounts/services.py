"""Accounts writes: role groups kept in step with ``roles.py``, and second-factor devices.

``roles_sync`` runs after every ``migrate`` (a post-migrate hook connected in
``accounts.registrations``) and from the demo-data loader. Each role in ``ROLES`` is one Django
group named by the role's key holding exactly the role's permissions.
"""

from __future__ import annotations

import logging
from base64 import b32encode
from collections import defaultdict
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from waymark.accounts.models import User
from waymark.accounts.roles import ROLES
from waymark.accounts.rules import TOTP_DIGITS

logger = logging.getLogger("waymark.accounts")

TOTP_DEVICE_NAME = "Authenticator app"


# ---------------------------------------------------------------------------------------------
# Roles


def _permission_ids_by_name(using: str) -> dict[str, list[int]]:
    """``"app_label.codename"`` → permission ids.

    A name can match more than one row: a custom permission and a model's default permission may
    share a codename within one app (``people.add_note`` is both a ``Person`` permission and the
    ``Note`` model's default). ``has_perm`` does not look at the model either, so a role gets
    every match.
    """
    ids: dict[str, list[int]] = defaultdict(list)
    rows = Permission.objects.using(using).values_list("id", "content_type__app_label", "codename")
    for pk, app_label, codename in rows:
        ids[f"{app_label}.{codename}"].append(pk)
    return ids


def roles_sync(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """Make one group per role (named by the role key) with exactly the role's permissions.

    Permissions that do not exist yet (an app not yet migrated) are skipped and returned as
    ``{role_key: [missing names]}`` so that the caller can report them; running again after the
    migration completes the group. Idempotent.
    """
    ids_by_name = _permission_ids_by_name(using)
    missing: dict[str, list[str]] = {}
    with transaction.atomic(using=using):
        for role in ROLES.values():
            group, _ = Group.objects.using(using).get_or_create(name=role.key)
            wanted: list[int] = []
            for name in sorted(role.permissions):
                if name in ids_by_name:
                    wanted += ids_by_name[name]
                else:
                    missing.setdefault(role.key, []).append(name)
            group.permissions.set(wanted)
    if missing:
        logger.info("Role permissions not found (yet): %s", missing)
    return missing


def machine_user_ensure(*, username: str, label: str, role: str) -> User:
    """The machine service user a client credential acts as (``is_machine``: it cannot sign in to
    the pages), holding ``role``. Made the first time; an existing user of that name is reused only
    if it is a machine user."""
    if role not in ROLES:
        raise ValueError(f"Unknown role: {role}")
    user, created = User.objects.get_or_create(
        username=username, defaults={"is_machine": True, "first_name": label[:150]}
    )
    if not created and not user.is_machine:
        raise ValueError(f"{username} is a person's account, not a machine user")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def user_set_roles(*, user: User, role_keys: list[str] | set[str]) -> None:
    """Give a user exactly these roles (groups), keeping any group that is not a role."""
    unknown = set(role_keys) - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    for key in role_keys:  # groups exist after migrate; made here for a database not yet synced
        Group.objects.get_or_create(name=key)
    role_groups = Group.objects.filter(name__in=list(ROLES))
    user.groups.remove(*role_groups.exclude(name__in=list(role_keys)))
    user.groups.add(*role_groups.filter(name__in=list(role_keys)))


# ---------------------------------------------------------------------------------------------
# Second factor (TOTP)


def totp_device_confirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_device_start(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator-app device, made if there is none yet."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, confirmed=False, digits=TOTP_DIGITS
        )
    return device


def totp_config_url(*, device: TOTPDevice) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    issuer = settings.WAYMARK_SERVICE_NAME.replace(":", "")
    label = f"{issuer}:{device.user.get_username()}"
    params = urlencode(
        {
            "secret": totp_secret_text(device=device),
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        }
    )
    return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(issuer)}"


def totp_secret_text(*, device: TOTPDevice) -> str:
    """The secret key in base32, for people who type it in rather than scan the QR code."""
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_device_confirm(*, user: User, code: str) -> bool:
    """Turn the second factor on if ``code`` matches the unconfirmed device. Returns success."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or not device.verify_token(code):
        logger.info("Second factor set-up code rejected for user %s", user.pk)
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    logger.info("Second factor turned on for user %s", user.pk)
    return True


def totp_device_remove(*, user: User, code: str) -> bool:
    """Turn the second factor off; the user proves they hold it with a current code."""
    device = totp_device_confirmed(user=user)
    if device is None or not device.verify_token(code):
        logger.info("Second factor removal code rejected for user %s", user.pk)
        return False
    TOTPDevice.objects.filter(user=user).delete()
    logger.info("Second factor turned off for user %s", user.pk)
    return True


# ---------------------------------------------------------------------------------------------
# Lockout (django-axes counts failures per username across addresses)


def accounts_locked() -> list[dict]:
    """Usernames locked out now: failures within the cool-off period at or over the limit."""
    from axes.models import AccessAttempt
    from django.db.models import Max, Sum

    from waymark.core import clock

    since = clock.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    return [
        {
            "username": r["username"],
            "failures": r["failures"],
            "last": r["last"],
            "until": r["last"] + settings.AXES_COOLOFF_TIME,
        }
        for r in rows
    ]


def account_unlock(*, actor: User, username: str, reason: str) -> bool:
    """Clear a lockout (every address) and record who did it and why; False if nothing was locked."""
    from axes.utils import reset

    from waymark.core.audit import audit_record
    from waymark.core.models import AuditAction

    if not actor.has_perm("accounts.change_user"):
        raise PermissionError("Only a system administrator can unlock accounts")
    if not any(row["username"] == username for row in accounts_locked()):
        return False
    with transaction.atomic():
        removed = reset(username=username)
        user = User.objects.filter(username=username).first()
        audit_record(
            actor=actor,
            action=AuditAction.ALTERATION,
            verb="account.unlocked",
            target=user,
            target_type="accounts.user",
            target_id=user.pk if user else username,
            payload={"username": username, "reason": reason, "attempts_cleared": removed},
        )
    logger.info("Account %r unlocked by %r", username, actor.get_username())
    return True
