"""R as the reference implementation: a runner that reads back the table R prints, and the R
code of the univariable survival statistics."""

from __future__ import annotations

import subprocess
from io import StringIO

import pandas as pd


class R:
    """Runs R code and reads back the tab-separated table it prints on stdout."""

    def __init__(self, rscript: str) -> None:
        self.rscript = rscript

    def table(self, code: str, data: pd.DataFrame | None = None) -> pd.DataFrame:
        """Run ``code``; ``data``, if given, is available in R as the data frame ``data``."""
        prelude = 'suppressMessages(library(survival))\n'
        if data is not None:
            prelude += 'data <- read.delim(file("stdin"), check.names = FALSE)\n'
        result = subprocess.run(
            [self.rscript, "--vanilla", "-e", prelude + code],
            input="" if data is None else data.to_csv(sep="\t", index=False),
            capture_output=True,
            text=True,
            check=True,
        )
        return pd.read_csv(StringIO(result.stdout), sep="\t")


# R's univariable Cox (Efron, per SD), Harrell's C, log-rank and the median split's Cox.
R_UNIVARIABLE = """
data$z <- as.numeric(scale(data$score))
fit <- coxph(Surv(time, event) ~ z, data = data, ties = "efron",
             control = coxph.control(eps = 1e-12, iter.max = 100))
s <- summary(fit)
conc <- concordance(Surv(time, event) ~ score, data = data, reverse = TRUE)
high <- data$score > median(data$score)
lr <- survdiff(Surv(time, event) ~ high, data = data)
split <- coxph(Surv(time, event) ~ high, data = data, ties = "efron", control = coxph.control(eps = 1e-12, iter.max = 100))
out <- data.frame(
  log_hr_high_vs_low = unname(coef(split)), se_high_vs_low = unname(sqrt(diag(vcov(split)))),
  log_hr = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
  p_wald = s$coefficients[1, "Pr(>|z|)"], p_lrt = unname(s$logtest["pvalue"]),
  c_index = unname(conc$concordance), logrank_chisq = lr$chisq,
  logrank_p = pchisq(lr$chisq, df = 1, lower.tail = FALSE))
write.table(format(out, digits = 15), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""
