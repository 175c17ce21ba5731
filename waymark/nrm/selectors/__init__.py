"""The competent authority's reads, every one through the object-level rules in permissions.py."""
