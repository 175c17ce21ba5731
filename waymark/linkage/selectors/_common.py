"""How the linkage pages show a probability, a match weight (review, runs and bulk checks) and the
step a long job is on (runs and bulk checks)."""

from __future__ import annotations

from collections.abc import Sequence


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


def job_step(phase: str, steps: Sequence[tuple[str, str, int]]) -> str:
    """'Step 2 of 4: Training the model (m and u probabilities)' for the step a long job is on
    (its phase begins with the step's label, then any count), else the phase as it is."""
    for number, (_key, label, _share) in enumerate(steps, start=1):
        if phase.startswith(label):
            return f"Step {number} of {len(steps)}: {phase}"
    return phase or "Starting"
