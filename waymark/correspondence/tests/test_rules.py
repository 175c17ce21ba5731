from datetime import timedelta

from waymark.correspondence import rules


def test_duplicate_window_is_seven_days():
    assert timedelta(days=7) == rules.DUPLICATE_WINDOW


def test_received_time_may_run_five_minutes_fast():
    assert timedelta(minutes=5) == rules.CLOCK_SKEW


def test_deadline_figures():
    assert rules.GENERAL_ENQUIRY_WORKING_DAYS == 5  # 000 §5.85
    assert rules.PRE_ACTION_RESPONSE_DAYS == 14  # Pre-Action Protocol for Judicial Review


def test_category_for_each_task_type():
    assert rules.TASK_TYPE_FOR_CATEGORY == {
        "general_enquiry": "general.enquiry",
        "legal_representations": "correspondence.legal_representations",
        "pre_action_letter": "correspondence.pre_action_letter",
        "complaint": "correspondence.complaint",
        "other": "general.enquiry",
    }


def test_category_inference():
    assert rules.category_infer("Letter before claim", "") == "pre_action_letter"
    assert (
        rules.category_infer("Re: Mr X", "This is a pre-action protocol letter")
        == "pre_action_letter"
    )
    assert rules.category_infer("Formal complaint", "") == "complaint"
    assert rules.category_infer("Re: our client", "We act for Mr X and make representations") == (
        "legal_representations"
    )
    assert rules.category_infer("When do I report?", "Please tell me") == "general_enquiry"


def test_the_largest_message_and_upload_read():
    # 25-35 MB messages (several scanned PDFs, base64 and all) with room to spare
    assert rules.MAX_MESSAGE_BYTES == 50 * 1024 * 1024
    assert rules.MAX_EML_UPLOAD_BYTES == 50 * 1024 * 1024


def test_forwards_are_read_five_deep():
    assert rules.FORWARDED_MESSAGE_DEPTH == 5


def test_a_winmail_dat_may_cost_8_gib_of_copying_to_read():
    assert rules.WINMAIL_DAT_MAX_BYTES_COPIED == 8 * 1024 * 1024 * 1024
