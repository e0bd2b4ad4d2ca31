"""Small tables of a finished run, written by hand, that the summary tests build pages from."""

from __future__ import annotations

import numpy as np
import pandas as pd

KEY = {"method": "zscore", "endpoint": "overall_survival"}


def summary_tables() -> tuple[pd.DataFrame, ...]:
    """Cox, discrimination, null and model tables of two cohorts and two signatures, as the
    summary page's tests need them (C2's primary score follows the sample-wide offset)."""
    rows = [("C1", "OTHER"), ("C1", "HIF"), ("C2", "HIF"), ("C2", "OTHER")]
    split = {"hr_high_vs_low": 2.0, "hr_high_vs_low_ci_low": 1.0, "hr_high_vs_low_ci_high": 4.0, "se_log_hr_high_vs_low": np.log(2) / 1.96}
    cox = pd.DataFrame(
        [{"cohort": c, "signature": s, **KEY, "n": 50, "events": 20, "hr": 1.5, "hr_ci_low": 1.1,
          "hr_ci_high": 2.0, "p_wald": 0.01} | split for c, s in rows]
        + [{"cohort": "C1", "signature": "HIF", "method": "pc1", "endpoint": "overall_survival", "n": 50, "events": 20,
            "hr": 9.0, "hr_ci_low": 1.0, "hr_ci_high": 80.0, "p_wald": 0.5} | split]
    )
    discrimination = pd.DataFrame(
        [{"cohort": c, "signature": s, **KEY, "harrell_c": 0.6, "harrell_c_ci_low": 0.5, "harrell_c_ci_high": 0.7}
         for c, s in rows]
    )
    null = pd.DataFrame(
        [{"cohort": c, "signature": s, **KEY, "percentile_log_hr": 97.5, "p_empirical_abs_log_hr": 0.04, "n_random_sets": 1000,
          "null_log_hr_sd": 0.05, "r_sample_mean_z": 0.87 if c == "C2" else 0.1, "offset_warning": c == "C2",
          "percentile_log_hr_adj_sample_mean_z": 73.5, "p_empirical_abs_log_hr_adj_sample_mean_z": 0.31}
         for c, s in rows]
    )
    models = pd.DataFrame(
        [{"cohort": c, "signature": s, **KEY, "model": "proliferation", "status": "fitted", "hr": 1.2,
          "hr_ci_low": 0.9, "hr_ci_high": 1.6} for c, s in rows]
        + [{"cohort": "C1", "signature": "HIF", **KEY, "model": "metastasis",
            "status": "refused: 4.0 events per variable < 10", "hr": 1.4, "hr_ci_low": 1.0, "hr_ci_high": 2.0}]
    )
    return cox, discrimination, null, models
