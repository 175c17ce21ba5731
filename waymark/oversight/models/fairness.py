"""Oversight tables: fairness (issue 20)."""

__all__: list[str] = []
