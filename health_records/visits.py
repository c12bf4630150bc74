"""The visit type of a claim, from its lines' CPT/HCPCS codes, by the table kept as data in
health_records/visit_types.json: the first type in the file with a line in one of its code ranges
wins, so a claim with an emergency visit and an office follow-up reads as an emergency."""

import functools
import json
from pathlib import Path

VISIT_TYPES_FILE = Path(__file__).resolve().parent / "visit_types.json"
OTHER = "Other services"


@functools.cache
def visit_type_table() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    rows = json.loads(VISIT_TYPES_FILE.read_text(encoding="utf-8"))
    return tuple((row["label"], tuple((low, high) for low, high in row["procedure_ranges"])) for row in rows)


def visit_type(procedure_codes: list[str]) -> str:
    """The label of the visit the codes describe; ``OTHER`` when no code is in the table. Codes of
    the same length compare as text, which orders five-character CPT and HCPCS codes."""
    for label, ranges in visit_type_table():
        for code in procedure_codes:
            if any(len(code) == len(low) and low <= code <= high for low, high in ranges):
                return label
    return OTHER
