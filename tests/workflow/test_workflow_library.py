"""workflow/lib/hif_workflow.py: the parse-time config checks and download layout (standard
library only; pyproject puts workflow/lib on pytest's path)."""


import pytest
import yaml
from snakemake.utils import validate

from hif_workflow import ConfigError, RANKINGS, check_config, gene_set_file, ora_signature, remote_files, run_name
from support.locations import REPO



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


def test_each_config_file_names_its_own_results_folder():
    assert run_name({}, ["config/config.yaml"]) == "config"
    assert run_name({}, ["config/config.yaml", "config/examples/gse4335.yaml"]) == "gse4335"  # the last given wins
    assert run_name({"run_name": "trial-2"}, ["config/examples/gse4335.yaml"]) == "trial-2"
    assert run_name({}, []) == "default"
    with pytest.raises(ConfigError, match=r"my config\.yaml: the file's name 'my config' cannot name .* set run_name"):
        run_name({}, ["my config.yaml"])


def test_a_shipped_cohort_file_is_read_from_the_workflow_not_checked_in_the_working_directory(config):
    cohort = next(iter(config["cohorts"].values()))
    cohort["expression"] = "workflow:resources/example/GSE4335/expression.tsv.gz"
    check_config(config)  # not looked for in the working directory
    cohort["expression"] = "workflow:../outside.tsv"
    with pytest.raises(ConfigError, match=r"cohorts\.\w+\.expression: 'workflow:\.\./outside\.tsv' must name a file inside"):
        check_config(config)


def test_missing_file_names_field_and_path(config):
    next(iter(config["cohorts"].values()))["clinical"] = "nowhere.tsv"
    with pytest.raises(ConfigError, match=r"cohorts\.\w+\.clinical = 'nowhere\.tsv'"):
        check_config(config, "config.yaml")


def test_urls_are_not_checked_locally(config):
    config["enrichment"]["libraries"]["R"] = "https://example.org/c2.gmt"
    check_config(config)


def test_primary_signature_and_method_must_be_configured(config):
    config["primary"]["signature"] = "NOPE"
    with pytest.raises(ConfigError, match="primary.signature 'NOPE'"):
        check_config(config)
    config["primary"] = {"signature": "HALLMARK_HYPOXIA", "method": "pc1"}
    config["scoring"]["methods"] = ["zscore", "ssgsea"]
    with pytest.raises(ConfigError, match="primary.method 'pc1'"):
        check_config(config)


def test_enrichr_libraries_are_downloads_not_local_files(config):
    config["enrichment"]["libraries"]["REACTOME"] = "enrichr:Reactome_2022"
    check_config(config)
    path = gene_set_file("enrichr:Reactome_2022", config["downloads"]["mirrors"], resolve_shipped=str)
    assert path == "resources/downloads/enrichr/Reactome_2022.txt"
    remote = remote_files(config)[path]
    assert remote.url == "https://maayanlab.cloud/Enrichr/geneSetLibrary?mode=text&libraryName=Reactome_2022"
    assert remote.mirror_hint == "downloads.mirrors.enrichr"


def test_enrichment_signature_and_endpoint_must_exist(config):
    config["enrichment"]["ora_signature"] = "NOPE"
    assert ora_signature(config) == "NOPE"
    with pytest.raises(ConfigError, match="enrichment.ora_signature 'NOPE'"):
        check_config(config)
    del config["enrichment"]["ora_signature"]
    assert ora_signature(config) == config["primary"]["signature"]  # the rules' default too
    config["enrichment"]["survival_endpoints"] = ["event_free_survival"]
    with pytest.raises(ConfigError, match=r"survival_endpoints \['event_free_survival'\] names no endpoint of cohort\(s\) \['GSE4335'\]"):
        check_config(config)


def test_each_cohorts_genes_are_ranked_by_the_first_preferred_endpoint_it_records():
    from hif_workflow import ranking_endpoint

    preferred = ["overall_survival", "event_free_survival", "recurrence_free_survival"]
    assert ranking_endpoint({"endpoints": {"event_free_survival": {}, "overall_survival": {}}}, preferred) == "overall_survival"
    assert ranking_endpoint({"endpoints": {"recurrence_free_survival": {}}}, preferred) == "recurrence_free_survival"


def test_every_downloaded_gene_set_is_checked_by_the_reader_of_its_kind(config):
    """Each URL's cached file must satisfy the reader of what the config uses it as."""
    from hif_prognosis.data.download import content_check

    config["signatures"]["LISTED"] = {"genes_file": "https://example.org/lists/hif.txt"}
    config["signatures"]["MODEL"] = {"weights_file": "https://example.org/models/wu2022.tsv"}
    config["signatures"]["HALLMARK_HYPOXIA"] = {"gmt": "https://example.org/h.gmt"}
    config["enrichment"]["libraries"] = {"HALLMARK": "https://example.org/h.gmt", "KEGG": "enrichr:KEGG_2021_Human"}
    kinds = {remote.url: remote.kind for remote in remote_files(config).values()}
    assert kinds["https://example.org/lists/hif.txt"] == "gene_list"
    assert kinds["https://example.org/h.gmt"] == "gmt"
    assert kinds[next(url for url in kinds if "KEGG_2021_Human" in url)] == "gmt"
    assert content_check("gene_list").__name__ == "read_gene_list" and content_check(None) is None
    assert kinds["https://example.org/models/wu2022.tsv"] == "weights_table"
    assert content_check("weights_table").__name__ == "read_weights_table"


def test_shipped_files_resolve_through_the_workflow_and_stay_inside_it(config):
    """``workflow:<path>`` is read through Snakemake's source_path (here: a stand-in), never from
    the working directory, and cannot name a file outside the workflow."""
    config["signatures"]["HIF1A_REVIEW_TARGETS"] = {"review_table": "workflow:resources/signatures/hif1a_review.tsv"}
    check_config(config)  # no file of that name in the working directory: none is needed
    mirrors = config["downloads"]["mirrors"]
    resolved = gene_set_file("workflow:resources/signatures/hif1a_review.tsv", mirrors, lambda rel: f"/wf/{rel}")
    assert resolved == "/wf/resources/signatures/hif1a_review.tsv"
    config["signatures"]["HIF1A_REVIEW_TARGETS"] = {"review_table": "workflow:../secrets.tsv"}
    with pytest.raises(ConfigError, match=r"signatures.HIF1A_REVIEW_TARGETS.review_table: 'workflow:../secrets.tsv' must name a file inside the workflow"):
        check_config(config)


def test_public_url_layout(config):
    """GEO's and the Xena GDC hub's public paths, and their cached copies."""
    config["cohorts"] = {
        "GSE21257": {"source": "geo", "accession": "GSE21257", "platforms": ["GPL10295"], "several_platforms": False, "platform_table": "soft", "endpoints": {}},
        "GSE9": {"source": "geo", "accession": "GSE9", "platforms": ["GPL96", "GPL570"], "several_platforms": True, "platform_table": "annot", "endpoints": {}},
        "TARGET": {"source": "xena", "project": "TARGET-OS", "endpoints": {}},
    }
    urls = {remote.url for remote in remote_files(config).values()}
    geo, hub = "https://ftp.ncbi.nlm.nih.gov/geo", "https://gdc-hub.s3.us-east-1.amazonaws.com/download"
    assert {
        f"{geo}/series/GSE21nnn/GSE21257/matrix/GSE21257_series_matrix.txt.gz",
        f"{geo}/platforms/GPL10nnn/GPL10295/soft/GPL10295_family.soft.gz",
        f"{geo}/series/GSEnnn/GSE9/matrix/GSE9-GPL96_series_matrix.txt.gz",
        f"{geo}/platforms/GPLnnn/GPL570/annot/GPL570.annot.gz",
        f"{hub}/TARGET-OS.star_tpm.tsv.gz",
        f"{hub}/gencode.v36.annotation.gtf.gene.probemap",
        f"{hub}/TARGET-OS.survival.tsv.gz",
    } <= urls
    assert "resources/downloads/geo/series/GSE21nnn/GSE21257/matrix/GSE21257_series_matrix.txt.gz" in remote_files(config)
    config["cohorts"]["GSE9"]["accession"] = "GSE"
    with pytest.raises(ConfigError, match="'GSE' is not a GEO accession"):
        remote_files(config)


def test_rankings_are_the_packages():
    """The workflow's ranking names (wildcards) and the package's ranking metrics agree."""
    from hif_prognosis.enrichment.rankings import RANKING_METRIC

    assert set(RANKINGS) == set(RANKING_METRIC)


def test_a_refitted_comparator_names_a_configured_training_cohort_and_its_endpoint(config):
    """The refit fields go with score refitted_cox (the schema requires them there; the check
    refuses them elsewhere) and must name a cohort and one of its endpoints."""
    schema = str(REPO / "config" / "schemas" / "config.schema.yaml")
    refitted = {"genes_file": "workflow:resources/signatures/comparators/liu2025_autophagy_4gene.txt",
                "score": "refitted_cox", "citation": "Liu et al. 2025", "training_cohort": "GSE4335",
                "training_endpoint": "overall_survival", "weights": "ridge_cox"}
    config["comparators"] = {"LIU": dict(refitted)}
    validate(config, schema)
    check_config(config)
    config["comparators"]["LIU"]["training_cohort"] = "TARGET"
    with pytest.raises(ConfigError, match=r"comparators.LIU.training_cohort 'TARGET' is not a configured cohort \['GSE4335'\]"):
        check_config(config)
    config["comparators"]["LIU"] |= {"training_cohort": "GSE4335", "training_endpoint": "event_free_survival"}
    with pytest.raises(ConfigError, match=r"training_endpoint 'event_free_survival' is not an endpoint of cohort GSE4335 \['overall_survival'\]"):
        check_config(config)
    del config["comparators"]["LIU"]["weights"]
    with pytest.raises(Exception, match="'weights' is a required property"):
        validate(config, schema)
    config["comparators"]["LIU"] = dict(refitted, score="cinsarc_centroid")
    with pytest.raises(ConfigError, match=r"comparators.LIU sets \['training_cohort', 'training_endpoint', 'weights'\], which only score refitted_cox reads"):
        check_config(config)


def test_the_primary_endpoint_is_one_a_cohort_records(config):
    assert config["primary"]["endpoint"] == "overall_survival"  # the schema's default
    config["primary"]["endpoint"] = "event_free_survival"
    with pytest.raises(ConfigError, match=r"primary.endpoint 'event_free_survival' is recorded by no cohort \(they record \['overall_survival'\]\)"):
        check_config(config)


def test_a_plotted_set_no_library_holds_stops_the_run_before_any_job_with_near_matches(config):
    from hif_workflow import check_plotted_set

    config["enrichment"]["plotted_set"] = "HALLMARK_HYPOXIA"
    check_plotted_set(config, "config.yaml", str)
    config["enrichment"]["plotted_set"] = "HALLMARK_HYPOXA"
    with pytest.raises(ConfigError, match=r"enrichment.plotted_set 'HALLMARK_HYPOXA' is a set of none of the libraries \['H'\]; "
                                          r"near matches: \['HALLMARK_HYPOXIA'\]"):
        check_plotted_set(config, "config.yaml", str)
    config["enrichment"]["libraries"]["REMOTE"] = "https://example.org/not/yet/downloaded.gmt"
    check_plotted_set(config, "config.yaml", str)  # a library still to be downloaded: gsea_figures checks it once read


def test_names_in_paths_and_captions_are_short_and_end_in_a_letter_or_digit(config):
    """A trailing underscore is a reStructuredText reference in a report caption; a name of
    hundreds of characters fails as a file name deep in a run. The schema refuses both."""
    schema = str(REPO / "config" / "schemas" / "config.schema.yaml")
    cohort = config["cohorts"].pop("GSE4335")
    for bad in ("TARGETS_", "A" * 65, "_A", "a b", "x`y"):
        config["cohorts"][bad] = cohort
        with pytest.raises(Exception, match="does not match|is too long"):
            validate(config, schema)
        del config["cohorts"][bad]
    config["cohorts"]["My.Cohort-2_b"] = cohort
    validate(config, schema)
