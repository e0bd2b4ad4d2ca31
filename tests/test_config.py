from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from hif_prognosis.config import check_config
from hif_prognosis.errors import InputError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(tmp_path, monkeypatch) -> dict:
    """The local-cohort example config, with its files written to a temporary directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "expr.tsv").write_text("gene\ts1\nTP53\t1\n")
    (tmp_path / "clin.tsv").write_text("sample_id\tos_months\tos_event\ns1\t3\t1\n")
    (tmp_path / "sets.gmt").write_text("HALLMARK_HYPOXIA\tx\tTP53\n")
    config = yaml.safe_load((REPO / "config" / "examples" / "gse4335.yaml").read_text())
    cohort = next(iter(config["cohorts"].values()))
    cohort.update(expression="expr.tsv", clinical="clin.tsv")
    for signature in config["signatures"].values():
        signature["gmt"] = "sets.gmt"
    config["enrichment"]["libraries"] = {"H": "sets.gmt"}
    validate(config, str(REPO / "config" / "schemas" / "config.schema.yaml"), set_default=True)
    return config


def test_valid_config_passes(config):
    check_config(config)


def test_missing_file_names_field_and_path(config):
    next(iter(config["cohorts"].values()))["clinical"] = "nowhere.tsv"
    with pytest.raises(InputError, match=r"cohorts\.\w+\.clinical = 'nowhere\.tsv'"):
        check_config(config, "config.yaml")


def test_missing_clinical_column_names_field(config):
    next(iter(config["cohorts"].values()))["endpoints"]["os"]["event"] = "vital"
    with pytest.raises(InputError, match=r"endpoints\.os\.event: 'vital'.*os_event"):
        check_config(config)


def test_review_table_defines_four_names_only(config):
    config["signatures"]["MY_REVIEW"] = {"review_table": str(REPO / "resources" / "signatures" / "hif1a_review.tsv")}
    with pytest.raises(InputError, match="signatures.MY_REVIEW.*HIF1A_REVIEW_TARGETS"):
        check_config(config)


def test_urls_are_not_checked_locally(config):
    config["enrichment"]["libraries"]["R"] = "https://example.org/c2.gmt"
    check_config(config)


def test_primary_signature_and_method_must_be_configured(config):
    config["primary"]["signature"] = "NOPE"
    with pytest.raises(InputError, match="primary.signature 'NOPE'"):
        check_config(config)
    config["primary"] = {"signature": "HALLMARK_HYPOXIA", "method": "pc1"}
    config["scoring"]["methods"] = ["zscore", "ssgsea"]
    with pytest.raises(InputError, match="primary.method 'pc1'"):
        check_config(config)


def test_enrichr_libraries_are_downloads_not_local_files(config):
    from hif_prognosis.sources import library_file, remote_files

    config["enrichment"]["libraries"]["REACTOME"] = "enrichr:Reactome_2022"
    check_config(config)
    path = library_file("enrichr:Reactome_2022", config["downloads"]["mirrors"])
    assert path == "resources/downloads/enrichr/Reactome_2022.txt"
    remote = remote_files(config)[path]
    assert remote.url == "https://maayanlab.cloud/Enrichr/geneSetLibrary?mode=text&libraryName=Reactome_2022"
    assert remote.mirror_hint == "downloads.mirrors.enrichr"


def test_enrichment_signature_and_endpoint_must_exist(config):
    config["enrichment"]["ora_signature"] = "NOPE"
    with pytest.raises(InputError, match="enrichment.ora_signature 'NOPE'"):
        check_config(config)
    del config["enrichment"]["ora_signature"]
    config["enrichment"]["survival_endpoint"] = "efs"
    with pytest.raises(InputError, match=r"survival_endpoint 'efs' is not an endpoint of cohort\(s\) \['GSE4335'\]"):
        check_config(config)


def test_every_downloaded_gene_set_is_checked_by_the_reader_of_its_kind(config):
    """Each URL's cached file must satisfy the reader of what the config uses it as."""
    from hif_prognosis.sources import content_check, remote_files

    config["signatures"]["LISTED"] = {"genes_file": "https://example.org/lists/hif.txt"}
    config["signatures"]["HALLMARK_HYPOXIA"] = {"gmt": "https://example.org/h.gmt"}
    config["enrichment"]["libraries"] = {"HALLMARK": "https://example.org/h.gmt", "KEGG": "enrichr:KEGG_2021_Human"}
    kinds = {remote.url: remote.kind for remote in remote_files(config).values()}
    assert kinds["https://example.org/lists/hif.txt"] == "gene_list"
    assert kinds["https://example.org/h.gmt"] == "gmt"
    assert kinds[next(url for url in kinds if "KEGG_2021_Human" in url)] == "gmt"
    assert content_check("gene_list").__name__ == "read_gene_list" and content_check(None) is None
