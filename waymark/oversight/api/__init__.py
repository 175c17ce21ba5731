"""Oversight's API views (none yet: the tracker is read and written through its pages)."""
