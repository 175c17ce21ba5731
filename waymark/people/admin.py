"""No Django admin for people, on purpose: every view of a person must be logged as a
consultation and every change must go through ``services`` (audited), which the admin bypasses."""
