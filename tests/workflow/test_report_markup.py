"""No config text reaches a reader as markup: every caption of Snakemake's report rendered as
Snakemake renders it (Jinja, then docutils' reStructuredText with its default settings, where
``raw`` and ``include`` are live), with markup payloads in every free-text field of the config."""

import re
from types import SimpleNamespace

import pytest
import yaml
from docutils.core import publish_parts
from jinja2 import Environment
from snakemake.utils import validate
from support.locations import REPO
from support.locations import TEST_DATA

SECRET = TEST_DATA / "not_for_the_report.txt"
PAYLOADS = {
    "raw HTML directive": "x\n\n.. raw:: html\n\n   <script>alert('raw')</script>\n",
    "include directive": f"x\n\n.. include:: {SECRET}\n",
    "javascript link": "`click me <javascript:alert('link')>`_",
    "standalone javascript URI": "javascript:alert('uri')",
    "HTML tag": "<img src=x onerror=alert('img')>",
    "substitution": "|x|\n\n.. |x| raw:: html\n\n   <b onclick=alert('sub')>x</b>\n",
}


def hostile_config(payload: str) -> dict:
    """The default config, schema-valid, with ``payload`` in every free-text field."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    for cohort in config["cohorts"].values():
        cohort["description"] = cohort["disease"] = payload
    for signature in config["signatures"].values():
        signature["description"] = payload
    for comparator in config["comparators"].values():
        comparator["citation"] = payload
    config["enrichment"]["plotted_set"] = payload
    validate(config, str(REPO / "config" / "schemas" / "config.schema.yaml"), set_default=True)
    return config


# How Snakemake's report links its landing text to a report item (snakemake.report: rst_links).
REPORT_ITEM_LINK = "javascript:app.showResultInfo('{}')"


def report_items_linked(text: str) -> list[str]:
    """The report items the landing text links to by name (`index.html`_), each checked to be
    a file a rule puts in the report."""
    names = re.findall(r"`([\w.]+)`_", text)
    rules = "".join(path.read_text() for path in (REPO / "workflow" / "rules").glob("*.smk"))
    for name in names:
        assert re.search(rf'report\(\s*results\("[^"]*/{re.escape(name)}"\)', rules), f"{name} is not a report item"
    return names


class Names(SimpleNamespace):
    """Wildcards and params as a job has them: names at the schema's limits."""

    def __getattr__(self, name: str) -> str:
        return "A.b-1_c"


@pytest.mark.parametrize("kind", PAYLOADS)
def test_no_config_text_reaches_a_report_caption_as_markup(kind):
    assert SECRET.read_text().startswith("SECRET-CONTENTS")
    config = hostile_config(PAYLOADS[kind])
    snakemake = SimpleNamespace(config=config, wildcards=Names(), params=Names(method="zscore", signature="HIF1A_REVIEW_TARGETS"))
    env = Environment(trim_blocks=True, lstrip_blocks=True)  # as snakemake.report builds it
    captions = sorted((REPO / "workflow" / "report").glob("*.rst"))
    assert len(captions) > 30
    for caption in captions:
        source = caption.read_text()
        if caption.name == "workflow.rst":  # Snakemake appends a link target per report item
            source += "\n\n" + "".join(f".. _{name}: {REPORT_ITEM_LINK.format(name)}\n" for name in report_items_linked(source))
        text = env.from_string(source).render(snakemake=snakemake, categories={}, files=[])
        html = publish_parts(text, writer_name="html")["body"]  # as snakemake.report renders a caption
        for name in report_items_linked(text):
            html = html.replace(REPORT_ITEM_LINK.format(name), "")
        for forbidden in ("<script", "javascript:", "onerror=", "onclick=", "SECRET-CONTENTS", "alert("):
            assert forbidden not in html, (caption.name, kind, forbidden)
        assert "system-message" not in html, (caption.name, html)
