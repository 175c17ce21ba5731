from waymark.api import rules


def test_the_api_numbers_are_pinned():
    assert rules.IDEMPOTENCY_KEY_MAX_LENGTH == 100
    assert rules.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS == 300
    assert rules.IDEMPOTENCY_RECORD_KEPT.days == 7
    assert (rules.PAGE_SIZE, rules.MAX_PAGE_SIZE) == (50, 200)
    assert rules.MAX_ATTACHMENTS_PER_ITEM == 10
    assert rules.SECRET_BYTES == 32
    assert set(rules.SCOPES) == {
        "persons:read",
        "persons:write",
        "tasks:read",
        "tasks:write",
        "correspondence:read",
        "correspondence:write",
        "monitoring:read",
        "operations:notifications",
        "linkage:match",
        "nrm:read",
        "nrm:refer",
        "oversight:read",
    }


def test_a_page_size_over_the_maximum_is_capped(api, world):
    body = api.get("/api/v1/persons/", {"page_size": rules.MAX_PAGE_SIZE + 1000}).json()
    assert body["count"] == 1  # answered, capped rather than refused
