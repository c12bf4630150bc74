"""Validators for the identifiers of the claim system: TIN and NPI."""

import re

from django.core.exceptions import ValidationError

TIN_RE = re.compile(r"^[0-9]{9}$")
NPI_RE = re.compile(r"^[0-9]{10}$")
# A TIN made of one repeated digit (000000000, 111111111, ...) is never issued.
REPEATED_DIGIT_TINS = tuple(str(d) * 9 for d in range(10))


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def npi_is_valid(value: str) -> bool:
    """An NPI is 10 digits whose last is a Luhn check digit computed with the 80840 prefix."""
    return bool(NPI_RE.match(value)) and luhn_is_valid("80840" + value)


def tin_is_valid(value: str) -> bool:
    return bool(TIN_RE.match(value)) and value not in REPEATED_DIGIT_TINS


def validate_tin(value: str) -> None:
    if not TIN_RE.match(value or ""):
        raise ValidationError("A TIN is exactly 9 digits.", code="tin_format")
    if value in REPEATED_DIGIT_TINS:
        raise ValidationError("This TIN is not valid (one digit repeated).", code="tin_repeated")


def validate_npi(value: str) -> None:
    if not NPI_RE.match(value or ""):
        raise ValidationError("An NPI is exactly 10 digits.", code="npi_format")
    if not luhn_is_valid("80840" + value):
        raise ValidationError("This NPI's check digit is wrong.", code="npi_check_digit")
