"""How the linkage pages show a probability and a match weight (review, runs and bulk checks)."""

from __future__ import annotations


def percent(probability: float) -> str:
    """A probability as a percentage a reader trusts: never 100% unless exactly 1."""
    value = probability * 100
    if value >= 99.95 and probability < 1:
        return ">99.9%"
    if 0 < value < 0.05:
        return "<0.1%"
    return f"{value:.1f}%"


def signed(weight: float) -> str:
    return f"{weight:+.2f}".replace("-", "\u2212")
