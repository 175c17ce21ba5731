"""Deterministic demo data for Waymark (``manage.py demo_load``) and the benchmarks.

A plain package, not an app: it has no models of its own and writes other apps' rows in bulk.
"""
