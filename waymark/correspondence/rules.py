"""Correspondence intake: the numbered rules, each in one place (brief platform §3).

``tests/test_rules.py`` pins every number here.
"""

from __future__ import annotations

import re
from datetime import timedelta

from waymark.work.registry import GENERAL_ENQUIRY, MATCH_NEEDED
from waymark.work.rules import DEADLINE_RULE_GENERAL_ENQUIRY, GENERAL_ENQUIRY_WORKING_DAYS

__all__ = ["DEADLINE_RULE_GENERAL_ENQUIRY", "GENERAL_ENQUIRY_WORKING_DAYS"]

# The same message sent again (or to several mailboxes) within this window becomes a copy of the
# first item, not a new one (000 §5.85: "the same email was often sent multiple times and even to
# several inboxes"). Matched on Message-ID first, then on a fingerprint of sender+subject+body.
DUPLICATE_WINDOW = timedelta(days=7)

# A message may say it was received up to this far in the future (the sender's or a mail server's
# clock running fast) before the date is refused as not yet happened.
CLOCK_SKEW = timedelta(minutes=5)

# Size caps on mail read into Waymark, so that one enormous message or upload cannot take the
# memory of the server reading it (the email parser holds several copies of a message at once).
# A shared mailbox's messages with several scanned PDFs reach 25-35 MB: that is the size of the
# message as sent, base64 and all (each PDF is a third larger in the message than on disk), and
# Exchange Online's default send and receive limits (35 and 36 MB) are of the same order. 50 MiB
# takes all of those with room to spare; a message larger than that is almost certainly not
# correspondence (a 500 MB body is a runaway export or an attack). Each file in a message is still
# held to documents.rules.MAX_DOCUMENT_BYTES (20 MiB).
MAX_MESSAGE_BYTES = 50 * 1024 * 1024  # one .eml, or one message in an .mbox

# The largest file the intake page accepts: one .eml is one message, so the same as the message
# cap (refused on the form, saying the limit, before anything is read).
MAX_EML_UPLOAD_BYTES = MAX_MESSAGE_BYTES

# A forwarded message inside a message (and a forward inside that...) has its text and files read
# this many forwards deep; deeper ones are still kept whole as .eml attachments.
FORWARDED_MESSAGE_DEPTH = 5

# Reading a winmail.dat (tnefparse) copies the rest of the file for each of its parts, about a
# second a GiB. A real one holds some 7 parts a file: 20 PDFs in a 35 MB winmail.dat cost about
# 3 GiB; one built of a million tiny parts would cost hours. Above this it is refused as unreadable.
WINMAIL_DAT_MAX_BYTES_COPIED = 8 * 1024 * 1024 * 1024

# Response deadlines, as task types with named deadline rules (registered in registrations.py).
# The general-enquiry standard (5 working days, 000 §5.85) is the platform's, in work.rules.
PRE_ACTION_RESPONSE_DAYS = (
    14  # Pre-Action Protocol for Judicial Review; figures.md, monitoring.md §4
)

DEADLINE_RULE_PRE_ACTION = "pre_action_letter_14_days"

TASK_GENERAL_ENQUIRY = GENERAL_ENQUIRY.key
TASK_MATCH_NEEDED = MATCH_NEEDED.key
TASK_LEGAL_REPRESENTATIONS = "correspondence.legal_representations"
TASK_PRE_ACTION = "correspondence.pre_action_letter"
TASK_COMPLAINT = "correspondence.complaint"

CORRESPONDENCE_QUEUE_SLUG = "correspondence"
MATCH_QUEUE_SLUG = "correspondence-match-needed"

# Category -> the task type its reply is worked under. Representations and complaints have no
# figure of their own in the brief, so they run to the general-enquiry standard until one is set.
TASK_TYPE_FOR_CATEGORY = {
    "general_enquiry": TASK_GENERAL_ENQUIRY,
    "legal_representations": TASK_LEGAL_REPRESENTATIONS,
    "pre_action_letter": TASK_PRE_ACTION,
    "complaint": TASK_COMPLAINT,
    "other": TASK_GENERAL_ENQUIRY,
}

# Category inference: the first rule whose pattern is found in the subject or body wins, so the
# most specific rules come first. Anything else is a general enquiry. A caseworker can correct
# the category on the item page.
CATEGORY_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "pre_action_letter",
        re.compile(
            r"pre[- ]?action(?: protocol)?|letter before (?:claim|action)|proposed claim for judicial review",
            re.I,
        ),
    ),
    ("complaint", re.compile(r"\bcomplain(?:t|ts|ing)?\b|formal complaint", re.I)),
    (
        "legal_representations",
        re.compile(r"\brepresentations?\b|on behalf of our client|we act for|our client", re.I),
    ),
]
DEFAULT_CATEGORY = "general_enquiry"


def category_infer(subject: str, body: str) -> str:
    text = f"{subject}\n{body}"
    for category, pattern in CATEGORY_RULES:
        if pattern.search(text):
            return category
    return DEFAULT_CATEGORY
