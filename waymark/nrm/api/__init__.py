"""The competent authority's API endpoints, on ``waymark.api``."""
