"""The competent authority's pages (thin: forms in, services and selectors out)."""
