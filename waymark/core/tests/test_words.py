import pytest

from waymark.core.words import days_in_words


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (2624, "7 years, 2 months"),
        (365, "1 year"),
        (730, "2 years"),
        (300, "10 months"),
        (360, "1 year"),  # 11.8 months rounds to a year
        (21, "3 weeks"),
        (1, "1 day"),
        (5, "5 days"),
        (None, ""),
    ],
)
def test_a_length_in_days_reads_as_years_and_months(days, words):
    assert days_in_words(days) == words
