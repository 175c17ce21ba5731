"""Enforcement operations' API (docs/platform-contracts.md, ``api/``): the field notebook's entries
from a phone (``field``) and the police partner's notification forms (``partner``)."""
