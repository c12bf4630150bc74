"""The plan's two tables, loaded from CSV: the services that need authorization (which also says
which codes the plan knows) and the coded denial reasons. A load replaces the table's rows by
code (updates and inserts; codes missing from the file are kept, a reason is made inactive)."""

import csv
import re
from dataclasses import dataclass, field

from django.db import transaction

from authorizations.models import AuthorizationService, Category, DenialReason

SERVICE_COLUMNS = ("code", "description", "requires_authorization", "categories", "plans", "required_documents")
REASON_COLUMNS = ("code", "description")
CODE_RE = re.compile(r"^[A-Z0-9]{5}$")
REASON_CODE_RE = re.compile(r"^[A-Z0-9-]{1,10}$")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


class TableLoadError(Exception):
    """The file cannot be loaded; nothing was saved."""


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.created} added, {self.updated} updated"


def _rows(handle, columns: tuple[str, ...]):
    reader = csv.DictReader(handle)
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise TableLoadError(f"The header lacks: {', '.join(missing)}.")
    for line, row in enumerate(reader, start=2):
        yield line, {key: (value or "").strip() for key, value in row.items() if key}


@transaction.atomic
def services_load(handle) -> LoadResult:
    """Load the services table from an open CSV file. Any bad row refuses the whole file."""
    result, parsed = LoadResult(), {}
    for line, row in _rows(handle, SERVICE_COLUMNS):
        code = row["code"].upper()
        if not CODE_RE.match(code):
            result.problems.append(f"Line {line}: {row['code']!r} is not a 5-character CPT/HCPCS code.")
            continue
        flag = row["requires_authorization"].lower()
        if flag not in YES | NO:
            result.problems.append(f"Line {line}: requires_authorization must be yes or no.")
            continue
        categories = row["categories"].split()
        unknown = [c for c in categories if c not in Category.values]
        if unknown:
            result.problems.append(f"Line {line}: unknown categories {', '.join(unknown)}.")
            continue
        if not row["description"] or len(row["description"]) > 200:
            result.problems.append(f"Line {line}: a description of 1 to 200 characters is needed.")
            continue
        parsed[code] = {
            "description": row["description"],
            "requires_authorization": flag in YES,
            "categories": categories,
            "plans": row["plans"].split(),
            "required_documents": row["required_documents"][:300],
        }
    if result.problems:
        raise TableLoadError("\n".join(result.problems))
    existing = set(AuthorizationService.objects.filter(code__in=parsed).values_list("code", flat=True))
    for code, values in parsed.items():
        AuthorizationService.objects.update_or_create(code=code, defaults=values)
        if code in existing:
            result.updated += 1
        else:
            result.created += 1
    return result


@transaction.atomic
def denial_reasons_load(handle) -> LoadResult:
    """Load the denial reasons from an open CSV file; reasons no longer listed become inactive."""
    result, parsed = LoadResult(), {}
    for line, row in _rows(handle, REASON_COLUMNS):
        code = row["code"].upper()
        if not REASON_CODE_RE.match(code):
            result.problems.append(f"Line {line}: {row['code']!r} is not a reason code (letters, digits, dashes).")
        elif not row["description"] or len(row["description"]) > 300:
            result.problems.append(f"Line {line}: a description of 1 to 300 characters is needed.")
        else:
            parsed[code] = row["description"]
    if result.problems:
        raise TableLoadError("\n".join(result.problems))
    existing = set(DenialReason.objects.filter(code__in=parsed).values_list("code", flat=True))
    for code, description in parsed.items():
        DenialReason.objects.update_or_create(code=code, defaults={"description": description, "active": True})
        result.updated += code in existing
        result.created += code not in existing
    DenialReason.objects.exclude(code__in=parsed).update(active=False)
    return result
