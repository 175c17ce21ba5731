"""Oversight tables: metrics (issue 20)."""

__all__: list[str] = []
