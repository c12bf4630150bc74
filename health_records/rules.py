"""The care-gap rules: read from data (CareGapRule rows loaded from care_gap_rules.json) and
evaluated against one member's clinical data. Each open gap says its measure and its evidence."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from health_records.models import CareGapRule, RuleKind


@dataclass(frozen=True)
class Facts:
    """What the rules read of one member."""

    date_of_birth: datetime.date
    gender: str
    medication_codes: dict[str, str]  # code → display
    observations: list[tuple[str, datetime.date]]  # (code, day)
    immunizations: list[tuple[str, datetime.date]]  # (CVX code, day)
    procedures: list[tuple[str, datetime.date, str]] = field(default_factory=list)  # (CPT/HCPCS, day, claim)


class RuleError(ValueError):
    pass


def months_before(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def age_in_months(born: datetime.date, today: datetime.date) -> int:
    months = (today.year - born.year) * 12 + today.month - born.month
    return months - (1 if today.day < born.day else 0)


def validate_parameters(kind: str, parameters: dict) -> None:
    """Refuse a rule the evaluator cannot read."""
    if kind not in RuleKind.values:
        raise RuleError(f"unknown rule kind {kind!r}")
    if not isinstance(parameters.get("population"), dict):
        raise RuleError("a rule needs a population")
    if kind == RuleKind.OBSERVATION_MISSING and (
        not parameters.get("observation_codes") or int(parameters.get("lookback_months", 0)) <= 0
    ):
        raise RuleError("observation_missing needs observation_codes and lookback_months")
    if kind == RuleKind.CLAIM_MISSING and (
        not parameters.get("procedure_codes") or int(parameters.get("lookback_months", 0)) <= 0
    ):
        raise RuleError("claim_missing needs procedure_codes and lookback_months")
    if kind == RuleKind.IMMUNIZATION_MISSING:
        for step in parameters.get("schedule") or [None]:
            if not step or not step.get("cvx") or int(step.get("doses", 0)) <= 0:
                raise RuleError("immunization_missing needs a schedule of cvx codes and doses")


def _in_population(population: dict, facts: Facts, today: datetime.date) -> str | None:
    """Why the member is in the rule's population (its label), or None."""
    years = age_in_months(facts.date_of_birth, today) // 12
    if "gender" in population and facts.gender != population["gender"]:
        return None
    if "age_from" in population and years < population["age_from"]:
        return None
    if "age_to" in population and years > population["age_to"]:
        return None
    if "age_months_below" in population and age_in_months(facts.date_of_birth, today) >= population["age_months_below"]:
        return None
    label = population.get("population_label", "in the measure's population")
    if "medication_codes" in population:
        found = [facts.medication_codes[c] for c in population["medication_codes"] if c in facts.medication_codes]
        if not found:
            return None
        label = f"{label} ({', '.join(sorted(found))})"
    return label


def evaluate(rule: CareGapRule, facts: Facts, today: datetime.date) -> str | None:
    """The evidence of an open gap under the rule, or None when the member has no gap."""
    parameters = rule.parameters
    why = _in_population(parameters["population"], facts, today)
    if why is None:
        return None
    if rule.kind == RuleKind.OBSERVATION_MISSING:
        since = months_before(today, int(parameters["lookback_months"]))
        codes = set(parameters["observation_codes"])
        days = sorted((day for code, day in facts.observations if code in codes), reverse=True)
        label = parameters.get("observation_label", "result")
        if days and days[0] >= since:
            return None
        last = f"the last {label} was on {days[0]:%m/%d/%Y}" if days else f"no {label} is on record"
        return f"Member is {why}; no {label} since {since:%m/%d/%Y}: {last}."
    if rule.kind == RuleKind.CLAIM_MISSING:
        since = months_before(today, int(parameters["lookback_months"]))
        codes = set(parameters["procedure_codes"])
        found = sorted(((day, claim) for code, day, claim in facts.procedures if code in codes), reverse=True)
        label = parameters.get("procedure_label", "claim")
        if found and found[0][0] >= since:
            return None
        last = f"the last was claim {found[0][1]} on {found[0][0]:%m/%d/%Y}" if found else f"no {label} is on record"
        return f"Member is {why}; no {label} since {since:%m/%d/%Y}: {last}."
    missing = []
    age = age_in_months(facts.date_of_birth, today)
    for step in parameters["schedule"]:
        if age < int(step.get("by_age_months", 0)):
            continue
        given = sum(1 for code, _day in facts.immunizations if code in set(step["cvx"]))
        if given < int(step["doses"]):
            missing.append(f"{step['label']} {given} of {step['doses']} doses (due by {step['by_age_months']} months)")
    if not missing:
        return None
    return f"Member is {why}, {age} months old; missing: {'; '.join(missing)}."
