"""core.events: a module announces a fact, another acts on it in the same transaction."""

from __future__ import annotations

from waymark.core import events


def test_emit_calls_each_subscriber_once_in_order_with_the_payload(monkeypatch):
    monkeypatch.setattr(events, "_HANDLERS", {})
    seen = []

    def first(**payload):
        seen.append(("first", payload))
        return 1

    def second(**payload):
        seen.append(("second", payload))
        return 2

    events.subscribe("x.happened", first)
    events.subscribe("x.happened", second)
    events.subscribe("x.happened", first)  # the same handler again is harmless
    assert events.emit("x.happened", n=5) == [1, 2]
    assert seen == [("first", {"n": 5}), ("second", {"n": 5})]


def test_emit_with_no_subscriber_does_nothing(monkeypatch):
    monkeypatch.setattr(events, "_HANDLERS", {})
    assert events.emit("nobody.listens", n=1) == []
    assert events.subscribers("nobody.listens") == []
