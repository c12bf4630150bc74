"""The Claims list as CSV: rows produced one at a time from a server-side iterator, so an export
of 50,000 claims holds one chunk in memory, never the file."""

import csv
from collections.abc import Iterator

from django.db.models import QuerySet

EXPORT_COLUMNS = [
    "claim_number",
    "provider_id",
    "member_id",
    "member_name",
    "service_date_from",
    "service_date_to",
    "received_date",
    "status",
    "billed_amount",
    "allowed_amount",
    "paid_amount",
    "paid_date",
    "check_number",
]
CHUNK = 2000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def neutralise(value) -> str:
    """A cell a spreadsheet would read as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def claims_csv_rows(claims: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    rows = claims.values_list(
        "claim_number",
        "provider_identifier__value",
        "member_id",
        "member_name",
        "service_date_from",
        "service_date_to",
        "received_date",
        "status",
        "billed_amount",
        "allowed_amount",
        "paid_amount",
        "paid_date",
        "check_number",
    )
    for row in rows.iterator(chunk_size=CHUNK):
        yield writer.writerow([neutralise(value) for value in row])
