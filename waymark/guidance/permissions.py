"""Permission codenames of the guidance hub. Reading guidance needs only a signed-in user;
publishing and revising needs ``PUBLISH_GUIDANCE`` (``GuidancePage.Meta.permissions``), held by
the assurance role."""

from __future__ import annotations

PUBLISH_GUIDANCE = "guidance.publish_guidance"
