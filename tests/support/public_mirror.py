"""Files in the exact public formats and URL layouts of GEO, the Xena GDC hub, the GDC API and
MSigDB, built from the real tables in ../shared/data (expression values are synthetic: no real
osteosarcoma matrix can be had offline).

- GEO GSE21257: the real 53 GSM IDs, titles and characteristics (as GEO writes them: ``age: 174
  months``, ``status: Deceased after 27 months``, ...), a GPL10295 family SOFT with nuID-style
  probe IDs, probes without symbols, ``///`` multi-gene probes, several probes per gene, and a
  few genes under their older symbols (OLD_SYMBOLS_ON_GPL10295).
- GEO GSE39055: the real 37 sample records (titles, source, every characteristic as GEO writes
  it: ``recurrence: Y``, ``time until first recurrence or latest follow-up (months): 126.3``,
  ``percent necrosis: >95% necrosis``, ...) and a GPL14951 family SOFT whose 20,793 probe IDs and
  symbols are real (the table's other columns follow GEO's Illumina platform tables and are not
  GPL14951's own, which is not in the shared data).
- GEO GSE16091: the real 34 GSMs with their real overall survival, written as the
  characteristics public code reads from the series matrix (``days-followup: 2065``,
  ``alive-or-dead: D``; their exact case and spacing in GEO are unverified); no title or other
  field, none being known. A GPL96 annotation file (GEO's .annot layout) with synthetic probe-set
  IDs, and linear-scale (MAS5-like) values.
- Xena: TARGET-OS star_tpm with the real sample barcodes of the Discovery patients plus a few
  extra aliquots (EXTRA_ALIQUOTS), a GENCODE v36 probemap, and the real survival table.
- GDC API: the files endpoint listing clinical supplements, and the real Discovery clinical
  release converted to .xlsx (its one non-ASCII cell included).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from hif_prognosis.data.genesets import read_gene_list, read_gmt
from hif_prognosis.data.review import read_review_table
from support.mirror import Mirror
from support.locations import REPO

REVIEW_TABLE = REPO / "resources" / "signatures" / "hif1a_review.tsv"
COMPARATOR_GENES = REPO / "resources" / "signatures" / "comparators"
GSE21257_TABLE = "GSE21257/GSE21257_OS_SanmleInfo_GPL10295.txt"
GSE39055_RECORDS = "GSE39055/GSE39055_sample_records.tsv"
GPL14951_PROBES = "GSE39055/GPL14951_probe_symbols.tsv"
GSE16091_SURVIVAL = "GSE16091/GSE16091_overall_survival.tsv"
TARGET_RELEASE = "TARGET-OS/TARGET_OS_ClinicalData_Discovery_20210520.txt"
TARGET_SURVIVAL = "TARGET-OS/TARGET-OS.survival.tsv"
MSIGDB_HOST = "https://data.broadinstitute.org"
MSIGDB_RELEASES = "/gsea-msigdb/msigdb/release"
RELEASE_FILE_ID = "4c4d7b5e-0000-4000-8000-000000000001"
# Current symbol -> the older symbol an Illumina annotation of 2008 carries (alias matching).
OLD_SYMBOLS_ON_GPL10295 = {"CCN4": "WISP1", "BHLHE41": "BHLHB3", "KDM4C": "JMJD2C", "NAMPT": "PBEF1"}
# The real TARGET-OS star_tpm matrix has 60,660 rows (GENCODE v36), most of them not in MSigDB.
TARGET_STAR_TPM_ROWS = 60_660
EXTRA_ALIQUOTS = ["TARGET-40-0A4HLD-01B", "TARGET-40-PAKZZK-01B", "TARGET-40-PALECC-06A", "TARGET-40-PAMYYJ-06A"]


def gz(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), mtime=0)


def gene_universe(data: Path, genome: bool = False) -> list[str]:
    """Real symbols: every Hallmark gene, the C2 hypoxia signatures' genes, the review's genes,
    the shipped comparators' genes; with ``genome``, every gene of the four MSigDB collections too (21,903 symbols, the size of
    a real array or RNA-seq matrix after harmonisation)."""
    collections = sorted((data / "msigdb").glob("*.gmt")) if genome else [data / "msigdb" / "h.all.v7.0.symbols.gmt"]
    genes = {g for path in collections for genes in read_gmt(path).values() for g in genes}
    review = read_review_table(REVIEW_TABLE)
    measurable = review[(review["symbol"] != "") & (review["molecule"] != "circRNA")]
    genes |= set(measurable["symbol"]) | {"HIF1A"}
    genes |= {g for path in COMPARATOR_GENES.glob("*.txt") for g in read_gene_list(path)}
    c2 = read_gmt(data / "msigdb" / "c2.cgp.v7.0.symbols.gmt")
    for name in ["SEMENZA_HIF1_TARGETS", "WINTER_HYPOXIA_METAGENE", "ELVIDGE_HYPOXIA_UP", "HARRIS_HYPOXIA"]:
        genes |= set(c2[name])
    return sorted(genes)


def nuid(index: int) -> str:
    """An identifier shaped like lumi's nuIDs (base64 of a probe sequence)."""
    return base64.urlsafe_b64encode(hashlib.sha1(f"probe{index}".encode()).digest()[:13]).decode().rstrip("=")


def matrix_row(key: str, values: list[str]) -> str:
    """One header line of a series matrix: the key, then each sample's quoted cell."""
    return "\t".join([key] + [f'"{v}"' for v in values])


def series_matrix(
    accession: str, platform: str, samples: dict[str, list[str]], characteristics: list[list[str]],
    probes: list[str], cells: np.ndarray,
) -> str:
    """A series matrix as GEO writes it: ``samples`` holds the !Sample_ lines known (field ->
    one value per sample, geo_accession among them), ``characteristics`` one
    !Sample_characteristics_ch1 line per list, then the quoted data table."""
    gsm = samples["geo_accession"]
    table = ["\t".join(['"ID_REF"'] + [f'"{s}"' for s in gsm])]
    table += ["\t".join([f'"{probe}"', *row]) for probe, row in zip(probes, cells, strict=True)]
    return "\n".join(
        [
            f'!Series_title\t"{accession} (synthetic expression values)"',
            f'!Series_geo_accession\t"{accession}"',
            f'!Series_platform_id\t"{platform}"',
            "",
            *[matrix_row(f"!Sample_{field}", values) for field, values in samples.items()],
            *[matrix_row("!Sample_characteristics_ch1", c) for c in characteristics],
            matrix_row("!Sample_platform_id", [platform] * len(gsm)),
            "!series_matrix_table_begin",
            *table,
            "!series_matrix_table_end",
            "",
        ]
    )


def gse21257_files(data: Path, genes: list[str], rng: np.random.Generator) -> dict[str, bytes]:
    samples = pd.read_csv(data / GSE21257_TABLE, sep="\t", dtype=str)
    gsm = samples["rownames(geo.samp)"].tolist()
    status = [
        f"{s} after {t} months" if s == "Deceased" else f"Alive at {t} months"
        for s, t in zip(samples["STATUS"], samples["times"], strict=True)
    ]
    characteristics = [
        [f"age: {v}" for v in samples["1:AGE"]],
        [f"gender: {v}" for v in samples["1:GENDER"]],
        [f"histological subtype: {v}" for v in samples["1:HISTOLOGICAL SUBTYPE"]],
        [f"huvos grade: {v}" for v in samples["1:HUVOS GRADE"]],
        [f"tumor location: {v}" for v in samples["1:TUMOR LOCATION"]],
        [f"status: {v}" for v in status],
        [f"group: {v}" for v in samples["1:GROUP"]],
    ]
    # Probes: one per gene, a second probe for every 7th gene, 300 without a symbol, and every
    # 50th probe annotated to two genes.
    probe_genes: list[str] = []
    for i, gene in enumerate(OLD_SYMBOLS_ON_GPL10295.get(g, g) for g in genes):
        probe_genes.append(gene)
        if i % 7 == 0:
            probe_genes.append(gene)
    probe_genes += [""] * 300
    probe_genes = [
        f"{g} /// {genes[(i * 31) % len(genes)]}" if g and i % 50 == 0 else g
        for i, g in enumerate(probe_genes)
    ]
    ids = [nuid(i) for i in range(len(probe_genes))]
    means = rng.uniform(6.5, 13.0, size=len(ids))
    values = rng.normal(means[:, None], 0.6, size=(len(ids), len(gsm)))
    cells = np.char.mod("%.5f", values).astype(object)
    cells[rng.uniform(size=cells.shape) < 0.001] = "null"
    matrix = series_matrix(
        "GSE21257", "GPL10295",
        {"title": samples["Title"].tolist(), "geo_accession": gsm, "source_name_ch1": samples["1:Source"].tolist(),
         "organism_ch1": samples["1:Organism"].tolist()},
        characteristics, ids, cells,
    )
    platform = "\n".join(
        [
            "^DATABASE = GeoMiame",
            "!Database_name = Gene Expression Omnibus (GEO)",
            "^PLATFORM = GPL10295",
            "!Platform_title = Illumina human-6 v2.0 expression beadchip (using nuIDs as identifier)",
            "!Platform_geo_accession = GPL10295",
            "#ID = nuID",
            "#Symbol = gene symbol",
            "!platform_table_begin",
            "ID\tSymbol\tIllumina_ProbeID\tIllumina_Gene\tGB_ACC",
            *[f"{p}\t{g}\tILMN_{i:07d}\t{g.split(' ')[0]}\tNM_{i:06d}" for i, (p, g) in enumerate(zip(ids, probe_genes, strict=True))],
            "!platform_table_end",
            "^SAMPLE = GSM530667",
            "!Sample_title = 00043-05",
            "",
        ]
    )
    return {
        "/geo/series/GSE21nnn/GSE21257/matrix/GSE21257_series_matrix.txt.gz": gz(matrix),
        "/geo/platforms/GPL10nnn/GPL10295/soft/GPL10295_family.soft.gz": gz(platform),
    }


# The columns of GEO's Illumina platform tables (GPL10558's layout): the fixture fills ID,
# ILMN_Gene and Symbol from the real GPL14951 probes and leaves the others empty.
ILLUMINA_PLATFORM_COLUMNS = [
    "ID", "Species", "Source", "Search_Key", "Transcript", "ILMN_Gene", "Source_Reference_ID", "RefSeq_ID",
    "Unigene_ID", "Entrez_Gene_ID", "GI", "Accession", "Symbol", "Protein_Product", "Probe_Id", "Array_Address_Id",
    "Probe_Type", "Probe_Start", "SEQUENCE", "Chromosome", "Probe_Chr_Orientation", "Probe_Coordinates", "Cytoband",
    "Definition", "Ontology_Component", "Ontology_Process", "Ontology_Function", "Synonyms", "Obsolete_Probe_Id",
    "GB_ACC",
]


def gse39055_files(data: Path, rng: np.random.Generator) -> dict[str, bytes]:
    records = pd.read_csv(data / GSE39055_RECORDS, sep="\t", dtype=str, keep_default_na=False)
    gsm = records["geo_accession"].tolist()
    characteristics = [records[c].tolist() for c in records.columns if c.startswith("characteristics_ch1_")]
    # Every real probe, with the symbols of its 2010 annotation (IL8, CDC2, PKM2, ...), not only
    # the universe's current symbols: what the platform measures is as real as its IDs.
    probes = pd.read_csv(data / GPL14951_PROBES, sep="\t", dtype=str, keep_default_na=False)
    # lumi VST + quantile values: log2-like, 7 to 14
    values = rng.normal(rng.uniform(7.0, 14.0, size=len(probes))[:, None], 0.5, size=(len(probes), len(gsm)))
    matrix = series_matrix(
        "GSE39055", "GPL14951",
        {"title": records["title"].tolist(), "geo_accession": gsm, "source_name_ch1": records["source_name_ch1"].tolist()},
        characteristics, probes["probe_id"].tolist(), np.char.mod("%.5f", values),
    )
    columns = {c: "" for c in ILLUMINA_PLATFORM_COLUMNS}
    rows = [
        "\t".join((columns | {"ID": probe, "ILMN_Gene": symbol, "Symbol": symbol, "Species": "Homo sapiens"}).values())
        for probe, symbol in zip(probes["probe_id"], probes["symbol"], strict=True)
    ]
    platform = "\n".join(
        [
            "^DATABASE = GeoMiame",
            "^PLATFORM = GPL14951",
            "!Platform_title = Illumina HumanHT-12 WG-DASL V4.0 R2 expression beadchip",
            "!Platform_geo_accession = GPL14951",
            "!platform_table_begin",
            "\t".join(ILLUMINA_PLATFORM_COLUMNS),
            *rows,
            "!platform_table_end",
            "",
        ]
    )
    return {
        "/geo/series/GSE39nnn/GSE39055/matrix/GSE39055_series_matrix.txt.gz": gz(matrix),
        "/geo/platforms/GPL14nnn/GPL14951/soft/GPL14951_family.soft.gz": gz(platform),
    }


# GEO's platform annotation files (GPLxxx.annot.gz): the columns of their table.
ANNOT_COLUMNS = [
    "ID", "Gene title", "Gene symbol", "Gene ID", "UniGene title", "UniGene symbol", "UniGene ID",
    "Nucleotide Title", "GI", "GenBank Accession", "Platform_CLONEID", "Platform_ORF", "Platform_SPOTID",
    "Chromosome location", "Chromosome annotation", "GO:Function", "GO:Process", "GO:Component",
    "GO:Function ID", "GO:Process ID", "GO:Component ID",
]


def gse16091_files(data: Path, genes: list[str], rng: np.random.Generator) -> dict[str, bytes]:
    survival = pd.read_csv(data / GSE16091_SURVIVAL, sep="\t", dtype=str)
    gsm = survival["geo_accession"].tolist()
    characteristics = [
        [f"days-followup: {days}" for days in survival["os_days"]],
        [f"alive-or-dead: {'D' if event == '1' else 'A'}" for event in survival["os_event"]],
    ]
    # Probe sets: one per gene, a second for every 5th, 100 without a symbol, every 40th
    # annotated to two genes (GPL96's "A /// B").
    symbols = [g for i, gene in enumerate(genes) for g in ([gene, gene] if i % 5 == 0 else [gene])] + [""] * 100
    symbols = [f"{g} /// {genes[(i * 17) % len(genes)]}" if g and i % 40 == 0 else g for i, g in enumerate(symbols)]
    ids = [f"{200000 + i}_at" for i in range(len(symbols))]
    # MAS5 signal: a linear scale, 20 to 8,000
    values = 2.0 ** rng.normal(rng.uniform(4.5, 13.0, size=len(ids))[:, None], 0.6, size=(len(ids), len(gsm)))
    matrix = series_matrix("GSE16091", "GPL96", {"geo_accession": gsm}, characteristics, ids, np.char.mod("%.1f", values))
    columns = {c: "" for c in ANNOT_COLUMNS}
    annotation = "\n".join(
        [
            "^Annotation",
            "!Annotation_platform = GPL96",
            "!Annotation_platform_title = [HG-U133A] Affymetrix Human Genome U133A Array",
            "!platform_table_begin",
            "\t".join(ANNOT_COLUMNS),
            *["\t".join((columns | {"ID": probe, "Gene symbol": symbol}).values()) for probe, symbol in zip(ids, symbols, strict=True)],
            "!platform_table_end",
            "",
        ]
    )
    return {
        "/geo/series/GSE16nnn/GSE16091/matrix/GSE16091_series_matrix.txt.gz": gz(matrix),
        "/geo/platforms/GPLnnn/GPL96/annot/GPL96.annot.gz": gz(annotation),
    }


def target_files(data: Path, genes: list[str], rng: np.random.Generator, genome: bool = False) -> dict[str, bytes]:
    survival_text = (data / TARGET_SURVIVAL).read_text()
    survival = pd.read_csv(io.StringIO(survival_text), sep="\t", dtype=str)
    release = pd.read_csv(data / TARGET_RELEASE, sep="\t", dtype=str, encoding="latin-1", keep_default_na=False)
    discovery = set(release["TARGET USI"])
    barcodes = sorted(s for s, p in zip(survival["sample"], survival["_PATIENT"], strict=True) if p in discovery)
    # Extra aliquots (second vial 01B, metastasis 06A) for a few patients, as real matrices carry.
    barcodes = sorted(barcodes + EXTRA_ALIQUOTS)
    ensembl = [f"ENSG{i + 1:011d}.{1 + i % 9}" for i in range(len(genes))]
    # Unmapped IDs; with ``genome``, as many as make the real file's row count.
    n_unmapped = max(200, TARGET_STAR_TPM_ROWS - len(genes)) if genome else 200
    unmapped = [f"ENSG{90_000_000_000 + i:011d}.1" for i in range(n_unmapped)]
    ids = ensembl + unmapped
    expressed = rng.uniform(size=len(ids)) < 0.8
    means = np.where(expressed, rng.uniform(1.0, 9.0, len(ids)), 0.05)
    values = np.clip(rng.normal(means[:, None], 0.7, size=(len(ids), len(barcodes))), 0, None)
    matrix = pd.DataFrame(values, index=pd.Index(ids, name="Ensembl_ID"), columns=barcodes)
    probemap = pd.DataFrame(
        {"id": ensembl, "gene": genes, "chrom": "chr1", "chromStart": 1, "chromEnd": 2, "strand": "+"}
    )
    excel = io.BytesIO()
    release.to_excel(excel, index=False, engine="openpyxl")
    listing = {
        "data": {
            "hits": [
                {"file_id": "older-release", "file_name": "TARGET_OS_ClinicalData_Discovery_20170525.xlsx"},
                {"file_id": RELEASE_FILE_ID, "file_name": "TARGET_OS_ClinicalData_Discovery_20210520.xlsx",
                 "md5sum": hashlib.md5(excel.getvalue()).hexdigest()},
                {"file_id": "validation-release", "file_name": "TARGET_OS_ClinicalData_Validation_20210520.xlsx"},
            ],
            "pagination": {"count": 3, "total": 3},
        },
        "warnings": {},
    }
    return {
        "/xena/download/TARGET-OS.star_tpm.tsv.gz": gz(matrix.to_csv(sep="\t", float_format="%.4f")),
        "/xena/download/gencode.v36.annotation.gtf.gene.probemap": probemap.to_csv(sep="\t", index=False).encode(),
        "/xena/download/TARGET-OS.survival.tsv.gz": gz(survival_text),
        "/gdc/files": json.dumps(listing).encode(),
        f"/gdc/data/{RELEASE_FILE_ID}": excel.getvalue(),
    }


def msigdb_files(data: Path) -> dict[str, bytes]:
    """The GMTs at MSigDB's release layout (<release>/<file>), as the default config names them."""
    releases = {
        "h.all.v7.0.symbols.gmt": "7.0",
        "c2.cgp.v7.0.symbols.gmt": "7.0",
        "c2.cp.reactome.v7.0.symbols.gmt": "7.0",
        "c5.bp.v6.2.symbols.gmt": "6.2",
    }
    return {
        f"{MSIGDB_RELEASES}/{release}/{name}": (data / "msigdb" / name).read_bytes()
        for name, release in releases.items()
    }


def public_mirror(data: Path, seed: int = 2011, genome: bool = False) -> Mirror:
    """A started-on-enter Mirror serving every public file the default config names; ``genome``
    serves genome-sized matrices (see gene_universe) instead of the tests' smaller ones."""
    rng = np.random.default_rng(seed)
    genes = gene_universe(data, genome)
    mirror = Mirror()
    cohorts = (
        gse21257_files(data, genes, rng), target_files(data, genes, rng, genome),
        gse39055_files(data, rng), gse16091_files(data, genes, rng),
    )
    for files in (*cohorts, msigdb_files(data)):
        for path, body in files.items():
            mirror.add(path, body)
    return mirror


def mirrored_config(base: str) -> dict:
    """The default config with every base URL pointed at the mirror at ``base``."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text().replace(MSIGDB_HOST, base))
    config["downloads"].update(
        backoff_seconds=0.05,
        mirrors={"geo": f"{base}/geo", "xena_gdc_hub": f"{base}/xena", "gdc_api": f"{base}/gdc"},
    )
    return config
