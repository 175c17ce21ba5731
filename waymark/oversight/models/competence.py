"""Oversight tables: competence (issue 20)."""

__all__: list[str] = []
