"""The competent authority's forms (GOV.UK patterns, ``waymark.core.forms``)."""
