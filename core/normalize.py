"""One normalisation per kind of identifier a person types, used by every form and import that
takes one, so "m100200301 " finds what "M100200301" finds and "123-45-6789" is the TIN 123456789.

Each function only reshapes what was typed; validation (format, check digit) comes after it.
"""

import re

_SPACES_AND_DASHES = re.compile(r"[\s\-\u2010-\u2015]")  # typed or pasted dashes of every width


def member_id(value: str | None) -> str:
    """Member IDs are letters, digits and dashes; the claim system keeps the letters upper case."""
    return (value or "").strip().upper()


def claim_number(value: str | None) -> str:
    """Claim numbers, like member IDs: stripped and upper-cased."""
    return (value or "").strip().upper()


def digits(value: str | None) -> str:
    """NPIs and TINs typed with spaces or dashes ("1234 567 893", "123-45-6789") reduced to their
    characters without those separators. Anything else typed stays, so validation can name it."""
    return _SPACES_AND_DASHES.sub("", value or "")


npi = digits
tin = digits


def provider_id(kind: str, value: str | None) -> str:
    """A provider ID of any kind: NPI and TIN as digits; vendor and office IDs without spaces or
    dashes, upper-cased."""
    value = digits(value)
    return value if kind in ("npi", "tin") else value.upper()


def email(value: str | None) -> str:
    """Emails are logins: stripped and lower-cased everywhere (the user table holds them so)."""
    return (value or "").strip().lower()


def search_query(value: str | None) -> str:
    """A search box: stripped; an email typed into it lower-cased like the stored emails; a TIN or
    NPI typed with spaces or dashes reduced to its digits."""
    value = (value or "").strip()
    if "@" in value:
        return email(value)
    if value and digits(value).isdigit() and len(digits(value)) in (9, 10):
        return digits(value)
    return value
