"""Oversight tables: qa (issue 20)."""

__all__: list[str] = []
