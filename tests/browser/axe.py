"""axe-core in the browser tests: the WCAG 2.1 A and AA rules (and axe's best practices, which
cover landmarks and heading order) on the page as it is shown.

The portal's Content-Security-Policy forbids inline scripts, so axe is not added as a <script>
tag: its source is evaluated through the DevTools protocol, which the policy does not govern.
The page itself is left exactly as the server sent it.

Besides axe's violations, two more things fail a page:
- an axe result "needs review" other than colour contrast: axe reports a broken ID reference
  (an aria-describedby naming no element) that way, and it is a real failure for a screen reader.
  Colour contrast is left out because axe cannot decide it over USWDS's pseudo-elements (the
  current-page underline, the select arrow); everywhere else it is decided and enforced.
- the same id twice in the document: axe 4.14 no longer checks it (WCAG 2.2 dropped 4.1.1), but a
  label or aria-describedby then points at the wrong element.
"""

from functools import cache
from pathlib import Path

from django.conf import settings

AXE_PATH = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TAGS = [*WCAG_TAGS, "best-practice"]
# "Needs review" results that are not failures: axe cannot compute these over USWDS's
# pseudo-elements, background images and overlapping breadcrumbs.
REVIEW_ONLY = ["color-contrast", "link-in-text-block"]

_RUN = """async ([tags, reviewOnly]) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations", "incomplete"],
  });
  const report = (kind) => (v) => ({
    id: v.id,
    kind: kind,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(" "),
      summary: n.failureSummary || n.any.concat(n.all, n.none).map((c) => c.message).join("; "),
      html: n.html,
    })),
  });
  const found = results.violations.map(report("violation"));
  const review = results.incomplete.filter((v) => !reviewOnly.includes(v.id)).map(report("needs review"));
  const seen = {};
  document.querySelectorAll("[id]").forEach((el) => { seen[el.id] = (seen[el.id] || []).concat([el]); });
  const duplicates = Object.entries(seen).filter(([, els]) => els.length > 1);
  const duplicateIds = duplicates.length ? [{
    id: "duplicate-id",
    kind: "portal check",
    impact: "serious",
    help: "id attribute values must be unique",
    helpUrl: "https://www.w3.org/TR/html52/dom.html#the-id-attribute",
    nodes: duplicates.map(([id, els]) => ({target: "#" + id, summary: els.length + " elements", html: els[0].outerHTML})),
  }] : [];
  return found.concat(review, duplicateIds);
}"""


@cache
def axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """The failures on the current page (axe-core is loaded once per document)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    return page.evaluate(_RUN, [TAGS, REVIEW_ONLY])


def format_violations(label: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{label}: {violation['id']} [{violation['impact']}, {violation['kind']}]: "
            f"{violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}: {summary}\n      {' '.join(node['html'].split())[:300]}")
    return "\n".join(lines)


class AxeAudit:
    """Collects the failures of many pages, so one test reports them all at once."""

    def __init__(self, page):
        self.page = page
        self.checked: list[str] = []
        self.urls: list[str] = []  # the address of each page checked
        self.failures: list[str] = []

    def check(self, label: str) -> None:
        self.page.wait_for_load_state("load")
        violations = axe_violations(self.page)
        self.checked.append(label)
        self.urls.append(self.page.url)
        if violations:
            self.failures.append(format_violations(f"{label} ({self.page.url})", violations))

    def assert_clean(self) -> None:
        report = "\n".join(self.failures)
        assert not self.failures, (
            f"accessibility failures on {len(self.failures)} of {len(self.checked)} pages:\n{report}"
        )
