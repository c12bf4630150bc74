"""ICD-10-CM diagnosis codes of a claim, checked and described with simple_icd_10_cm (the code
set ships with the package: no lookup leaves the machine)."""

from dataclasses import dataclass

# An 837P claim carries at most 12 diagnosis codes (HI segment).
MAX_DIAGNOSES = 12


@dataclass(frozen=True)
class Diagnosis:
    code: str
    description: str


def load_code_set() -> None:
    """Load the code set now rather than on the first claim or authorization that needs it (the web
    process's master does, before forking its workers: gunicorn.conf.py)."""
    import simple_icd_10_cm as icd

    icd.is_valid_item("A00")


def parse_codes(text: str) -> tuple[list[str], list[str]]:
    """The codes of ``text`` (separated by ``;``, with or without the dot, any case), in the dotted
    form, repeats dropped, and the problems found. Only billable codes (the leaves of the code
    tree) are accepted: a category such as E11 is refused."""
    import simple_icd_10_cm as icd  # its code set takes a second to load: only when a file has codes

    codes: list[str] = []
    problems: list[str] = []
    for part in text.split(";"):
        code = part.strip().upper()
        if not code:
            continue
        if not icd.is_valid_item(code) or not icd.is_leaf(code):
            shown = part.strip()
            problems.append(f"diagnosis code {shown!r} is not a billable ICD-10-CM code")
            continue
        dotted = icd.add_dot(icd.remove_dot(code))
        if dotted not in codes:
            codes.append(dotted)
    if len(codes) > MAX_DIAGNOSES:
        problems.append(f"more than {MAX_DIAGNOSES} diagnosis codes")
    return codes, problems


def describe(codes: list[str]) -> list[Diagnosis]:
    """Each code with its description; a code the installed code set does not know keeps an empty one."""
    if not codes:
        return []
    import simple_icd_10_cm as icd

    described = []
    for code in codes:
        try:
            description = icd.get_description(code)
        except ValueError:
            description = ""
        described.append(Diagnosis(code, description))
    return described
