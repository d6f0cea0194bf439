"""Reference numbers: digits only, at most 10, readable digit by digit."""
from datetime import date

from hotline.store.references import format_reference, speakable


def test_a_reference_is_year_day_of_year_and_sequence():
    assert format_reference(date(2026, 11, 28), 12) == "2633200012"


def test_the_first_of_january_is_day_one():
    assert format_reference(date(2027, 1, 1), 1) == "2700100001"


def test_references_are_ten_digits_up_to_99999_a_day():
    ref = format_reference(date(2026, 12, 31), 99999)
    assert ref == "2636599999" and ref.isdigit() and len(ref) == 10


def test_speakable_spaces_every_digit():
    assert speakable("2633200012") == "2 6 3 3 2 0 0 0 1 2"
