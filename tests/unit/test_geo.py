import gzip

import numpy as np
import pandas as pd
import pytest

from hif_prognosis.data import geo
from hif_prognosis.data.clinical import EndpointLimits
from hif_prognosis.data.cohorts import harmonise_geo_cohort
from hif_prognosis.errors import InputError


def write_series(path, platform, samples, probes, values, characteristics):
    def row(key, cells):
        return "\t".join([key] + [f'"{c}"' for c in cells])

    lines = [
        '!Series_title\t"test"',
        '!Series_geo_accession\t"GSE9"',
        row("!Sample_title", [f"title {s}" for s in samples]),
        row("!Sample_geo_accession", samples),
        *[row("!Sample_characteristics_ch1", c) for c in characteristics],
        row("!Sample_platform_id", [platform] * len(samples)),
        "!series_matrix_table_begin",
        "\t".join(['"ID_REF"'] + [f'"{s}"' for s in samples]),
        *["\t".join([f'"{p}"'] + list(v)) for p, v in zip(probes, values, strict=True)],
        "!series_matrix_table_end",
    ]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))


def write_platform(path, rows, symbol_header="Symbol"):
    lines = ["^PLATFORM = X", "!platform_table_begin", f"ID\t{symbol_header}"]
    lines += [f"{i}\t{s}" for i, s in rows] + ["!platform_table_end", "^SAMPLE = GSM1", "!sample_table_begin"]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))


def test_series_matrix_characteristics_and_nulls(tmp_path):
    path = tmp_path / "GSE9_series_matrix.txt.gz"
    write_series(
        path, "GPL1", ["GSM1", "GSM2"], ["p1", "p2"], [["1.5", "null"], ["", "2"]],
        [
            ["status: Deceased after 27 months", "status: Alive at 3 months"],
            ["age: 174 months", ""],
            ["treatment: A", "free text without key"],
            ["treatment: B", "treatment: C"],
        ],
    )
    series = geo.read_series_matrix(path)
    assert series.platform == "GPL1" and series.accession == "GSE9"
    samples = series.samples.set_index("geo_accession")
    assert samples.loc["GSM1", "status"] == "Deceased after 27 months"
    assert samples.loc["GSM2", "age"] == ""
    assert samples.loc["GSM1", "treatment"] == "A; B"
    assert samples.loc["GSM2", "characteristics_ch1_3"] == "free text without key"
    assert np.isnan(series.values.loc["p1", "GSM2"]) and np.isnan(series.values.loc["p2", "GSM1"])
    assert series.values.loc["p2", "GSM2"] == 2.0


def test_truncated_series_matrix_is_an_error(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text('!Series_title\t"x"\n!series_matrix_table_begin\n"ID_REF"\t"GSM1"\n')
    with pytest.raises(InputError, match="truncated"):
        geo.read_series_matrix(path)


def test_probes_to_genes_splits_multi_gene_cells_and_drops_unannotated(tmp_path):
    values = pd.DataFrame({"GSM1": [1.0, 2.0, 3.0, 4.0]}, index=["p1", "p2", "p3", "p4"])
    platform = pd.DataFrame({"ID": ["p1", "p2", "p3", "p4"], "Symbol": ["TP53", "MYC /// MYCN", "", "---"]})
    genes = geo.probes_to_genes(values, platform, "Symbol", "test")
    assert list(genes.index) == ["TP53", "MYC", "MYCN"]
    assert genes["GSM1"].tolist() == [1.0, 2.0, 2.0]


def test_symbol_column_detection():
    platform = pd.DataFrame(columns=["ID", "GB_ACC", "Gene Symbol"])
    assert geo.symbol_column(platform, "auto", "x") == "Gene Symbol"
    with pytest.raises(InputError, match="no column 'Symbol'.*Gene Symbol"):
        geo.symbol_column(platform, "Symbol", "x")
    with pytest.raises(InputError, match="platform_symbol_column"):
        geo.symbol_column(pd.DataFrame(columns=["ID", "SEQ"]), "auto", "x")


def test_series_on_two_platforms_is_combined_on_shared_genes(tmp_path, caplog):
    cohort = {
        "accession": "GSE9", "platform_symbol_column": "auto", "duplicate_genes": "max_mean",
        "expression_scale": "log2", "max_missing_fraction": 0.2,
        "endpoints": {"os": {"time": "status", "time_pattern": r"(\d+) months", "time_unit": "months",
                              "event": "status", "event_values": ["Deceased*"], "censored_values": ["Alive*"]}},
        "covariates": {},
    }
    status = [["status: Deceased after 10 months", "status: Alive at 20 months"]]
    write_series(tmp_path / "a.txt.gz", "GPL1", ["GSM1", "GSM2"], ["a1", "a2", "a3", "a4"],
                 [["5", "6"], ["7", "8"], ["1", "1"], ["2", "3"]], status)
    write_series(tmp_path / "b.txt.gz", "GPL2", ["GSM3", "GSM4"], ["b1", "b2"],
                 [["9", "9.5"], ["3", "4"]], status)
    write_platform(tmp_path / "gpl1.soft.gz", [("a1", "TP53"), ("a2", "MYC"), ("a3", "ONLY_A"), ("a4", "MYC")])
    write_platform(tmp_path / "gpl2.soft.gz", [("b1", "TP53"), ("b2", "MYC")], symbol_header="Gene Symbol")
    caplog.set_level("INFO", logger="hif_prognosis.data.cohorts")
    matrix, clinical = harmonise_geo_cohort(
        [tmp_path / "a.txt.gz", tmp_path / "b.txt.gz"],
        {"GPL1": tmp_path / "gpl1.soft.gz", "GPL2": tmp_path / "gpl2.soft.gz"},
        cohort,
        EndpointLimits(min_samples=4, min_events=2),
    )
    assert list(matrix.index) == ["MYC", "TP53"]
    assert list(matrix.columns) == ["GSM1", "GSM2", "GSM3", "GSM4"]
    assert matrix.loc["TP53", "GSM3"] == 9.0
    assert matrix.loc["MYC", "GSM1"] == 7.0  # max_mean keeps a2 (mean 7.5) over a4 (2.5)
    # The log says what was collapsed where it happened (per platform), not after the fact.
    assert (f"{tmp_path / 'a.txt.gz'} (probe-gene rows): 4 rows -> 3 unique gene symbols; 2 rows shared "
            "1 symbol(s), collapsed by rule duplicate_genes='max_mean' (kept the row with the highest mean)") in caplog.text
    assert f"{tmp_path / 'b.txt.gz'} (probe-gene rows): 2 rows, one per gene symbol: nothing to collapse" in caplog.text
    assert clinical["os_months"].tolist() == [10.0, 20.0, 10.0, 20.0]
    assert clinical["os_event"].tolist() == [1, 0, 1, 0]


def test_configured_keys_match_characteristics_whatever_their_case_and_spacing(tmp_path):
    """GEO's series matrix and family SOFT, and its submitters, write one key with different case
    and spacing: the configured key finds it (by the one matching rule, which the workflow's
    parse-time check uses too)."""
    samples = pd.DataFrame({"geo_accession": ["GSM1"], "Days-Followup": ["30"], "alive -  or-dead": ["D"], "age": ["4"]})
    matched = geo.with_configured_keys(samples, ["days-followup", "alive-or-dead", "age", "absent key"], "test")
    assert list(matched.columns) == ["geo_accession", "days-followup", "alive-or-dead", "age"]
    assert {geo.characteristic_key(variant) for variant in ("Huvos  grade", "HUVOS GRADE\t", "huvos grade")} == {"huvosgrade"}
    twice = pd.DataFrame({"geo_accession": ["GSM1"], "Age": ["4"], "age": ["5"]})
    with pytest.raises(InputError, match=r"'age' matches several characteristic keys \['Age', 'age'\]"):
        geo.with_configured_keys(twice, ["age"], "test")


GSE87437 = "GSE87437/GSE87437_series_matrix.txt.gz"


def test_gse87437_real_series_matrix_is_read_and_its_linear_values_log2_transformed(shared_data):
    """GEO's own series matrix of GSE87437 (21 osteosarcomas, GPL570, MAS5 on a linear scale),
    byte for byte: every sample, probe and characteristic is read, quoting and the two-space
    'Huvos grade  3' kept, and expression_scale auto recognises the linear values."""
    from hif_prognosis.data.expression import to_log2_scale

    series = geo.read_series_matrix(shared_data / GSE87437)
    assert series.accession == "GSE87437" and series.platform == "GPL570"
    assert series.values.shape == (54675, 21) and series.values.notna().all().all()
    samples = series.samples.set_index("geo_accession")
    assert samples.index[0] == "GSM2331334" and samples.loc["GSM2331334", "sample id"] == "itcc0071"
    assert set(samples.columns) >= {"sample id", "tissue", "age", "histologic grade (1 to 4)", "tumor location",
                                    "histotype", "response to preoperative chemotherapy"}
    assert set(samples["response to preoperative chemotherapy"]) == {"POOR", "GOOD"}
    huvos = samples["tumor necrosis after preoperative chemotherapy (huvos grade)"]
    assert huvos.str.match(r"^Huvos grade  \d$").all()
    assert series.values.to_numpy().max() > 1000  # MAS5 signal, not log2
    logged, decision = to_log2_scale(series.values, "auto")
    assert decision.transformed and "linear scale detected" in decision.describe()
    assert np.allclose(logged.to_numpy(), np.log2(series.values.to_numpy() + 1))


def test_a_survival_key_gse87437_lacks_stops_before_any_job(shared_data, tmp_path):
    """Where the series matrix is already downloaded, a configured key the series does not carry
    stops the run at parse time, naming the cohort and listing the keys with example values."""
    import shutil

    from hif_workflow import COHORT_SOURCES, ConfigError

    geo_source = COHORT_SOURCES["geo"]

    cohort = {"source": "geo", "accession": "GSE87437", "platforms": ["GPL570"], "several_platforms": False,
              "platform_table": "soft",
              "endpoints": {"overall_survival": {"time": "days-followup", "event": "alive-or-dead", "time_unit": "days"}},
              "covariates": {"age_years": {"column": "AGE", "unit": "years"}}}
    mirrors = {"geo": "https://ftp.ncbi.nlm.nih.gov/geo"}
    (cached,) = geo_source.downloads(cohort, mirrors)["matrices"]
    assert cached == "resources/downloads/geo/series/GSE87nnn/GSE87437/matrix/GSE87437_series_matrix.txt.gz"
    target = tmp_path / cached
    target.parent.mkdir(parents=True)
    shutil.copy(shared_data / GSE87437, target)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        with pytest.raises(ConfigError) as error:
            geo_source.check("GSE87437", cohort, mirrors, "config.yaml")
        message = str(error.value)
        assert "cohort GSE87437" in message
        assert "endpoints.overall_survival.time: 'days-followup', endpoints.overall_survival.event: 'alive-or-dead'" in message
        assert "covariates.age_years.column" not in message  # 'AGE' is 'age', case aside
        assert "'sample id' (e.g. 'itcc0071', 'itcc0074', 'itcc0076')" in message
        assert "'histologic grade (1 to 4)' (e.g. '4'" in message and "'tissue' (e.g. 'primary osteosarcoma tumor')" in message
        cohort["endpoints"] = {"overall_survival": {"time": "age", "event": "Response to preoperative  chemotherapy", "time_unit": "days"}}
        geo_source.check("GSE87437", cohort, mirrors, "config.yaml")  # present, case and spacing aside
