"""Text in the repository's files that is derived from the registries, never written by hand.

Each derived region sits between two marker lines naming it. ``python -m hif_prognosis.derived``
(``make derived``) rewrites every region from the scoring methods' and cohort sources' own
modules; the tests fail where a region is not current, so a method or source added or changed
shows everywhere at once: the config schema's list of methods with their parameter blocks and
its list of sources with each one's cohort block, the configs' comments, the documentation's
table and the Snakemake report's caption.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml  # type: ignore[import-untyped]  # no stubs pinned; used for one dump

from hif_prognosis.data.sources.registry import COHORT_SOURCES
from hif_prognosis.scoring.registry import schema_properties, scoring_methods

REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Region:
    """A derived region of ``path``: its marker lines open with ``comment`` (and close with
    ``closing``), at the indentation of the region's first marker."""

    path: str
    name: str
    text: Callable[[str], str]  # the region's lines, given the markers' indentation
    comment: str = "#"
    closing: str = ""

    def marker(self, indent: str, end: str) -> str:
        closing = f" {self.closing}" if self.closing else ""
        return f"{indent}{self.comment} derived by python -m hif_prognosis.derived ({self.name}): {end}{closing}"


def _yaml(value: object, indent: str) -> str:
    plain = json.loads(json.dumps(value))  # no shared objects, so no YAML anchors
    text = yaml.safe_dump(plain, sort_keys=False, width=1000, default_flow_style=None)
    return "".join(f"{indent}{line}\n" for line in text.splitlines())


def _schema(indent: str) -> str:
    return _yaml(schema_properties(), indent)


def _source_enum(indent: str) -> str:
    return _yaml({"source": {"enum": list(COHORT_SOURCES)}}, indent)


def _source_blocks(indent: str) -> str:
    """Each source's cohort block, taken where a cohort names that source."""
    return _yaml({"allOf": [
        {"if": {"properties": {"source": {"const": name}}}, "then": dict(source.schema)}
        for name, source in COHORT_SOURCES.items()
    ]}, indent)


def _config_comments(indent: str) -> str:
    lines = []
    for name, method in scoring_methods().items():
        wrapped = textwrap.wrap(f"{name}: {method.summary}", 96 - len(indent), subsequent_indent="  ")
        lines += [f"{indent}# {line}\n" for line in wrapped]
    return "".join(lines)


def _docs_table(indent: str) -> str:
    rows = [f"| `{name}` | {method.label} | {method.description} |" for name, method in scoring_methods().items()]
    return "\n".join(["| method | named on the page | what it computes |", "|---|---|---|", *rows]) + "\n"


def _report_caption(indent: str) -> str:
    """One paragraph, blank lines around it: a reStructuredText comment must stand apart."""
    return "\n" + "".join(f"``{name}``: {method.summary}.\n" for name, method in scoring_methods().items()) + "\n"


REGIONS = (
    Region("config/schemas/config.schema.yaml", "scoring methods", _schema),
    Region("config/schemas/config.schema.yaml", "cohort sources", _source_enum),
    Region("config/schemas/config.schema.yaml", "cohort source blocks", _source_blocks),
    Region("config/config.yaml", "scoring methods", _config_comments),
    Region("config/examples/gse4335.yaml", "scoring methods", _config_comments),
    Region("docs/methods.md", "scoring methods", _docs_table, "<!--", "-->"),
    Region("workflow/report/scores.rst", "scoring methods", _report_caption, ".."),
)


def rewritten(region: Region, text: str) -> str:
    """``text`` with ``region`` derived anew; an error where its markers are not found once."""
    begin, end = re.escape(region.marker("", "begin")), re.escape(region.marker("", "end"))
    pattern = re.compile(rf"^(?P<indent>[ \t]*){begin}\n.*?^(?P=indent){end}\n", re.M | re.S)
    found = list(pattern.finditer(text))
    if len(found) != 1:
        raise ValueError(f"{region.path}: {len(found)} regions {region.name!r} (one expected)")
    indent = found[0]["indent"]
    body = region.marker(indent, "begin") + "\n" + region.text(indent) + region.marker(indent, "end") + "\n"
    return text[: found[0].start()] + body + text[found[0].end():]


def _current(root: Path) -> dict[Path, tuple[str, str]]:
    """Each file with derived regions: its text as it is, and with every region derived anew."""
    texts: dict[Path, tuple[str, str]] = {}
    for region in REGIONS:
        path = root / region.path
        text, new = texts.get(path) or (path.read_text(),) * 2
        texts[path] = (text, rewritten(region, new))
    return texts


def stale(root: Path = REPOSITORY) -> list[str]:
    """The files whose derived regions are not current."""
    return [str(path.relative_to(root)) for path, (text, new) in _current(root).items() if new != text]


def main(root: Path = REPOSITORY) -> None:
    for path, (text, new) in _current(root).items():
        if new != text:
            path.write_text(new)
            print(f"rewrote {path.relative_to(root)}", file=sys.stderr)


if __name__ == "__main__":
    main()
