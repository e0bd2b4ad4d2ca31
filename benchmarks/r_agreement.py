"""How far each survival statistic of the pipeline lies from its R reference, on real cohorts.

    .venv/bin/python benchmarks/r_agreement.py [--shared ../shared]

Cohorts (all real follow-up, with its ties):
- GSE4335 (115 breast tumours, OS in months): the pipeline's own HALLMARK_HYPOXIA and G2M z-score
  scores of the real expression matrix, and age;
- GSE21257 (53 osteosarcomas, OS in whole months, many ties) and TARGET-OS (87 osteosarcomas, OS
  in days) from their clinical tables: no expression matrix is available offline, so the markers
  are the real age at diagnosis and a seeded random score, with the real metastasis and sex.

For every cohort and marker it computes each statistic by the package and by R (survival 3.5,
maxstat, metafor), and prints the worst absolute and relative difference per statistic as a
Markdown table (the README's "Agreement with R" table). Also printed: how far scikit-survival's
Uno's C and time-dependent AUC (1/G(T) weights) lie from the reference estimators on the same data.
Needs Rscript with survival and maxstat (metafor optional).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from hif_prognosis.data.clinical import endpoint_data
from hif_prognosis.data.cohorts import harmonise_local_cohort
from hif_prognosis.survival.cutpoint import max_selected_logrank
from hif_prognosis.survival.discrimination import time_dependent_auc, uno_c, uno_tau
from hif_prognosis.survival.fastcox import cox_model, proportional_hazards_test
from hif_prognosis.data.genesets import coverage_table, read_gmt, signature_table
from hif_prognosis.survival.meta import dersimonian_laird
from hif_prognosis.scoring.matrix import SetScorer
from hif_prognosis.scoring.signatures import signature_scores
from hif_prognosis.scoring.contract import SignatureGenes
from hif_prognosis.survival.stats import harrell_c
from hif_prognosis.survival.cox import cox_per_sd
from hif_prognosis.survival.kaplan_meier import median_groups, median_split_logrank, numbers_at_risk

R_SCRIPT = r"""
suppressMessages({library(survival); library(maxstat)})
data <- read.delim(file("stdin"))
tau <- data$tau[1]
out <- list()
put <- function(stat, key, value) out[[length(out) + 1]] <<- data.frame(stat = stat, key = key, value = sprintf("%.17g", value))
markers <- grep("^m_", names(data), value = TRUE)
for (m in markers) {
  d <- data.frame(time = data$time, event = data$event, x = data[[m]])
  d$z <- as.numeric(scale(d$x))
  f <- coxph(Surv(time, event) ~ z, data = d, control = coxph.control(eps = 1e-12, iter.max = 100))
  s <- summary(f)
  put("cox_log_hr", m, coef(f)); put("cox_se", m, sqrt(vcov(f)[1, 1]))
  put("cox_p_wald", m, s$coefficients[1, "Pr(>|z|)"]); put("cox_p_lrt", m, s$logtest["pvalue"])
  f9 <- coxph(Surv(time, event) ~ z, data = d)
  put("cox_log_hr_default_eps", m, coef(f9))
  put("harrell_c", m, concordance(Surv(time, event) ~ x, data = d, reverse = TRUE)$concordance)
  put("uno_c", m, concordance(Surv(time, event) ~ x, data = d, reverse = TRUE, timewt = "n/G2", ymax = tau)$concordance)
  high <- d$x > median(d$x)
  put("logrank_chisq", m, survdiff(Surv(time, event) ~ high, data = d)$chisq)
  sf <- summary(survfit(Surv(time, event) ~ high, data = d), times = seq(0, max(d$time), by = data$step[1]), extend = TRUE)
  put("at_risk", paste(m, sf$strata, sf$time), sf$n.risk)
  mx <- maxstat.test(Surv(time, event) ~ x, data = d, smethod = "LogRank", pmethod = "Lau92", minprop = 0.1, maxprop = 0.9)
  put("maxstat_statistic", m, mx$statistic); put("maxstat_p_lau92", m, mx$p.value)
}
covariates <- grep("^c_", names(data), value = TRUE)
f <- coxph(as.formula(paste("Surv(time, event) ~", paste(covariates, collapse = " + "))), data = data,
           control = coxph.control(eps = 1e-12, iter.max = 100))
put("model_coef", covariates, coef(f)); put("model_se", covariates, sqrt(diag(vcov(f))))
z <- cox.zph(f, transform = "km", terms = FALSE)$table
put("zph_p", rownames(z), z[, "p"]); put("zph_chisq", rownames(z), z[, "chisq"])
write.table(do.call(rbind, out), stdout(), sep = "\t", quote = FALSE, row.names = FALSE)
"""

R_METAFOR = r"""
suppressMessages(library(metafor))
d <- read.delim(file("stdin"))
r <- rma(yi = d$log_hr, sei = d$se, method = "DL")
o <- data.frame(stat = c("meta_pooled", "meta_se", "meta_tau2", "meta_q", "meta_i2"), key = "age",
                value = sprintf("%.17g", c(r$beta[1], r$se, r$tau2, r$QE, r$I2 / 100)))
write.table(o, stdout(), sep = "\t", quote = FALSE, row.names = FALSE)
"""

CONVENTIONS = {
    "cox": ("univariable Cox, score per SD: log HR, SE, Wald and LR p", "`coxph(ties = \"efron\")` run to convergence (eps 1e-12)", "Efron ties; Newton-Raphson to a relative log-likelihood change < 1e-12"),
    "cox_default_eps": ("the same log HR against R's default stopping rule", "`coxph` with its default eps = 1e-9", "R stops up to ~1e-8 short of the maximum; the difference is R's"),
    "model": ("multivariable Cox: coefficients and SEs", "`coxph(ties = \"efron\")`, eps 1e-12", "complete cases, covariates as coded in models.tsv"),
    "zph": ("proportional hazards, per covariate and global: chi-square and p", "survival 3.x `cox.zph(transform = \"km\", terms = FALSE)`", "exact score test at (beta-hat, 0); g(t) = 1 - left-continuous KM, centred on the events"),
    "harrell_c": ("Harrell's C", "`concordance(reverse = TRUE)`", "higher score = higher risk; tied scores 1/2; censored tied with an event counts as longer"),
    "uno_c": ("Uno's C", "`concordance(timewt = \"n/G2\", ymax = tau, reverse = TRUE)`", "pairs weighted 1/G(T-)^2, G the censoring KM with tied deaths leaving first; tau = last time with >= 10% at risk"),
    "logrank": ("log-rank test, median split", "`survdiff`", "high = strictly above the cohort median"),
    "at_risk": ("numbers at risk (table and KM figure)", "`summary(survfit(), times)$n.risk`", "time >= t"),
    "maxstat": ("maximally selected log-rank: statistic and Lausen-Schumacher p", "maxstat `maxstat.test(smethod = \"LogRank\", pmethod = \"Lau92\")`", "cut-points leaving >= 10% on each side"),
    "meta": ("random-effects meta-analysis: pooled log HR, SE, tau^2, Q, I^2", "metafor `rma(method = \"DL\")`", "DerSimonian-Laird, tau^2 truncated at 0"),
}


def r_table(code: str, data: pd.DataFrame) -> pd.DataFrame:
    result = subprocess.run(
        ["Rscript", "--vanilla", "-e", code], input=data.to_csv(sep="\t", index=False),
        capture_output=True, text=True, check=True,
    )
    table = pd.read_csv(io.StringIO(result.stdout), sep="\t", dtype={"key": str})
    return table.assign(value=table["value"].astype(float))


def clinical_cohorts(shared: Path) -> dict[str, pd.DataFrame]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from support.real_follow_up import gse21257_follow_up, target_os_follow_up

    cohorts = {}
    for name, frame, seed in (
        ("GSE21257", gse21257_follow_up(shared / "data"), 1), ("TARGET-OS", target_os_follow_up(shared / "data"), 2),
    ):
        seeded = np.random.default_rng(seed).normal(size=len(frame))
        cohorts[name] = pd.DataFrame({
            "time": frame["time"], "event": frame["event"], "m_age": frame["age"], "m_seeded": seeded,
            "c_seeded": seeded, "c_metastasis": frame["metastasis"], "c_male": frame["male"], "c_age": frame["age"],
        })
    return cohorts


def gse4335_cohort(shared: Path) -> pd.DataFrame:
    folder = shared / "data" / "local-cohorts" / "GSE4335"
    matrix, clinical = harmonise_local_cohort(folder / "expression.tsv.gz", folder / "clinical.tsv", {
        "sample_id_column": "sample_id", "expression_scale": "auto", "duplicate_genes": "max_mean",
        "max_missing_fraction": 0.2,
        "endpoints": {"os": {"time": "os_months", "event": "os_event", "time_unit": "months"}},
    })
    outcome = endpoint_data(clinical, "os")
    hallmark = read_gmt(shared / "data" / "msigdb" / "h.all.v7.0.symbols.gmt")
    scores, scorer = {}, SetScorer(matrix)
    for short, name in (("hypoxia", "HALLMARK_HYPOXIA"), ("g2m", "HALLMARK_G2M_CHECKPOINT")):
        genes = SignatureGenes.measured(coverage_table(signature_table(name, hallmark[name], "h"), matrix.index))
        scores[short] = signature_scores(scorer, "zscore", genes, {})[outcome.index].to_numpy()
    age = pd.read_csv(folder / "clinical.tsv", sep="\t").set_index("sample_id")["age_years"].reindex(outcome.index)
    return pd.DataFrame({
        "time": outcome["time"].to_numpy(), "event": outcome["event"].to_numpy(),
        "m_hypoxia": scores["hypoxia"], "m_g2m": scores["g2m"], "m_age": age.to_numpy(),
        "c_hypoxia": scores["hypoxia"], "c_g2m": scores["g2m"], "c_age": age.to_numpy(),
    }).dropna().reset_index(drop=True)


def ours(data: pd.DataFrame) -> pd.DataFrame:
    """The package's value of every statistic the R script computes, in its long format."""
    rows: list[tuple[str, str, float]] = []
    time, event = data["time"].to_numpy(), data["event"].to_numpy()
    tau = uno_tau(time)
    for m in [c for c in data if c.startswith("m_")]:
        x = data[m].to_numpy()
        cox = cox_per_sd(data["time"], data["event"], data[m])
        rows += [("cox_log_hr", m, cox.log_hr), ("cox_se", m, cox.se_log_hr), ("cox_p_wald", m, cox.p_wald),
                 ("cox_p_lrt", m, cox.p_lrt), ("cox_log_hr_default_eps", m, cox.log_hr),
                 ("harrell_c", m, harrell_c(data["time"], data["event"], data[m])),
                 ("uno_c", m, uno_c(time, event, x, tau)),
                 ("logrank_chisq", m, median_split_logrank(data["time"], data["event"], data[m])[0])]
        groups = median_groups(data[m]).map({"high": "high=TRUE", "low": "high=FALSE"})
        for _, r in numbers_at_risk(data["time"], data["event"], groups).iterrows():
            rows.append(("at_risk", f"{m} {r['group']} {r['time_months']:g}", r["at_risk"]))
        found = max_selected_logrank(time, event, x, min_fraction=0.1, permutations=10, rng=np.random.default_rng(0))
        rows += [("maxstat_statistic", m, found.statistic), ("maxstat_p_lau92", m, found.p_lausen_schumacher)]
    covariates = [c for c in data if c.startswith("c_")]
    design = data[covariates].to_numpy()
    model = cox_model(time, event, design)
    ph = proportional_hazards_test(time, event, design, model.coefficients)
    rows += [("model_coef", c, b) for c, b in zip(covariates, model.coefficients, strict=True)]
    rows += [("model_se", c, s) for c, s in zip(covariates, model.se, strict=True)]
    rows += [("zph_p", c, p) for c, p in zip(covariates, ph.p, strict=True)] + [("zph_p", "GLOBAL", ph.global_p)]
    rows += [("zph_chisq", c, v) for c, v in zip(covariates, ph.chisq, strict=True)]
    rows += [("zph_chisq", "GLOBAL", ph.global_chisq)]
    return pd.DataFrame(rows, columns=["stat", "key", "value"])


GROUPS = {
    "cox": ["cox_log_hr", "cox_se", "cox_p_wald", "cox_p_lrt"], "cox_default_eps": ["cox_log_hr_default_eps"],
    "model": ["model_coef", "model_se"], "zph": ["zph_p", "zph_chisq"], "harrell_c": ["harrell_c"],
    "uno_c": ["uno_c"], "logrank": ["logrank_chisq"], "at_risk": ["at_risk"],
    "maxstat": ["maxstat_statistic", "maxstat_p_lau92"],
    "meta": ["meta_pooled", "meta_se", "meta_tau2", "meta_q", "meta_i2"],
}


def scikit_survival_gap(cohorts: dict[str, pd.DataFrame]) -> list[str]:
    """How far scikit-survival's estimators (1/G(T) weights) lie from the reference ones."""
    from sksurv.metrics import concordance_index_ipcw, cumulative_dynamic_auc
    from sksurv.util import Surv

    lines = []
    for name, data in cohorts.items():
        time, event = data["time"].to_numpy(), data["event"].to_numpy()
        y = Surv.from_arrays(event.astype(bool), time)
        uno_gap, auc_gap, failures = 0.0, 0.0, []
        for m in [c for c in data if c.startswith("m_")]:
            x = data[m].to_numpy()
            tau = uno_tau(time)
            uno_gap = max(uno_gap, abs(concordance_index_ipcw(y, y, x, tau=tau)[0] - uno_c(time, event, x, tau)))
            for months in (12.0, 36.0, 60.0):
                _, _, auc, status = time_dependent_auc(time, event, x, months)
                if status != "estimated":
                    continue
                try:
                    auc_gap = max(auc_gap, abs(cumulative_dynamic_auc(y, y, x, [months])[0][0] - auc))
                except ValueError as error:
                    failures.append(f"{m} at {months:g} months: {error}")
        lines.append(f"| {name} | {uno_gap:.2g} | {auc_gap:.2g} | {'; '.join(sorted(set(failures))) or 'none'} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    shared = parser.parse_args().shared
    cohorts = {"GSE4335": gse4335_cohort(shared)} | clinical_cohorts(shared)
    differences = []
    age_fits = []
    for name, data in cohorts.items():
        step = numbers_at_risk(data["time"], data["event"], median_groups(data["m_age"]))["time_months"].iloc[1]
        reference = r_table(R_SCRIPT, data.assign(tau=uno_tau(data["time"].to_numpy()), step=step))
        merged = ours(data).merge(reference, on=["stat", "key"], suffixes=("", "_r"), how="outer", indicator=True)
        if (merged["_merge"] != "both").any():
            sys.exit(f"{name}: rows without a counterpart:\n{merged[merged['_merge'] != 'both']}")
        differences.append(merged.assign(cohort=name))
        cox = cox_per_sd(data["time"], data["event"], data["m_age"])
        age_fits.append((cox.log_hr, cox.se_log_hr))
    probe = subprocess.run(["Rscript", "-e", "library(metafor)"], capture_output=True)
    if probe.returncode == 0:
        log_hr, se = (np.array(v) for v in zip(*age_fits, strict=True))
        pooled = dersimonian_laird(log_hr, se)
        mine = pd.DataFrame({"stat": ["meta_pooled", "meta_se", "meta_tau2", "meta_q", "meta_i2"], "key": "age",
                             "value": [pooled["pooled"], pooled["se"], pooled["tau2"], pooled["q"], pooled["i2"]]})
        reference = r_table(R_METAFOR, pd.DataFrame({"log_hr": log_hr, "se": se}))
        differences.append(mine.merge(reference, on=["stat", "key"], suffixes=("", "_r")).assign(cohort="age, 3 cohorts"))
    table = pd.concat(differences, ignore_index=True)
    table["abs_diff"] = (table["value"] - table["value_r"]).abs()
    table["rel_diff"] = table["abs_diff"] / table["value_r"].abs().clip(lower=1e-300)
    print("| statistic | R reference | convention | worst abs. difference | worst rel. difference | cohorts (values compared) |")
    print("|---|---|---|---|---|---|")
    for group, stats in GROUPS.items():
        rows = table[table["stat"].isin(stats)]
        if not len(rows):
            continue
        what, reference, convention = CONVENTIONS[group]
        counts = ", ".join(f"{c} ({n})" for c, n in rows.groupby("cohort", sort=False).size().items())
        print(f"| {what} | {reference} | {convention} | {rows['abs_diff'].max():.1g} | {rows['rel_diff'].max():.1g} | {counts} |")
    print("\n| cohort | scikit-survival Uno's C vs reference (max abs.) | its AUC vs timeROC's (max abs.) | its failures |")
    print("|---|---|---|---|")
    print("\n".join(scikit_survival_gap(cohorts)))


if __name__ == "__main__":
    main()
