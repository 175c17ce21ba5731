"""Oversight's API views: the recommendations tracker, read-only (``tracker.py``)."""
