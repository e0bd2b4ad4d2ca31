"""The documentation a newcomer reads: every relative link and anchor resolves, the README stays
a front door of about two screens, and no page points at the project's private ../shared."""

import re
from pathlib import Path

import pytest
from support.locations import REPO

PAGES = [REPO / "README.md", REPO / "config" / "README.md", *sorted((REPO / "docs").glob("*.md")),
         *sorted((REPO / "resources").rglob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")
README_MAX_LINES = 110  # two screens of about 55 lines


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    headings = re.findall(r"^#{1,6}\s+(.*)$", text, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [a or b for a, b in LINK.findall(text)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_and_anchor_resolves(page):
    broken = []
    for target in links(page):
        if re.match(r"^[a-z]+:", target):  # http(s), mailto: not checked offline
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target} (no heading #{anchor})")
    assert broken == [], f"{page.relative_to(REPO)}: broken links {broken}"


def test_the_anchor_rule_matches_githubs():
    page = REPO / "config" / "README.md"
    assert "cohorts-signatures-libraries-and-downloads-in-detail" in anchors(page)
    assert "a-local-cohort" in anchors(page)


def test_the_readme_is_a_front_door_of_two_screens_with_both_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= README_MAX_LINES
    for command in ("make run-example", "make run ", "make test"):
        assert command in readme
    for page in ("config/README.md", "docs/methods.md", "docs/outputs.md", "docs/performance.md"):
        assert f"]({page})" in readme, page


def test_no_page_or_shipped_config_needs_the_private_shared_folder():
    """A clone alone must run the example: nothing a user reads or runs points at ../shared."""
    developers = REPO / "docs" / "development.md"  # says where the tests find their real data
    shipped = [p for p in PAGES if p != developers] + [*sorted((REPO / "config").rglob("*.yaml")), REPO / "Makefile"]
    naming = [str(p.relative_to(REPO)) for p in shipped if "../shared" in p.read_text(encoding="utf-8")]
    assert naming == []
