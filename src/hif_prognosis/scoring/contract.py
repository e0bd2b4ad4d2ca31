"""What a scoring method declares about itself (:class:`ScoringMethod`), and the measured genes
of one signature it scores (:class:`SignatureGenes`).

A method is one module of ``hif_prognosis.scoring.methods`` holding ``METHOD``: its config
name is the module's name; the registry (``hif_prognosis.scoring.registry``) finds it there and
derives from it the config schema's list of methods and parameter blocks, the name readers see,
and the tables of methods in the documentation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

SetScores = Callable[..., np.ndarray]  # (scorer, up, down, **parameters) -> sets x samples
LibraryForm = Callable[..., pd.Series]  # (matrix, genes, **parameters) -> one score per sample


@dataclass(frozen=True)
class SignatureGenes:
    """Measured genes of one signature, split by direction, with their weights in the
    ``weighted`` score (signed; +1 up and -1 down unless given) and what the weights multiply
    (``weighted_scale``: gene z-scores or log2 values)."""

    up: list[str]
    down: list[str]
    up_weights: tuple[float, ...] | None = None
    down_weights: tuple[float, ...] | None = None
    weighted_scale: str = "zscore"

    @classmethod
    def measured(cls, coverage: pd.DataFrame) -> SignatureGenes:
        """The measured genes (``matched_as``) of one signature's coverage rows."""
        present = coverage[coverage["present"].astype(bool)]
        up, down = present[present["direction"] == "up"], present[present["direction"] == "down"]
        scales = coverage["weighted_scale"].unique() if "weighted_scale" in coverage else ["zscore"]
        return cls(
            up=up["matched_as"].tolist(),
            down=down["matched_as"].tolist(),
            up_weights=tuple(up["weight"].astype(float)) if "weight" in present else None,
            down_weights=tuple(down["weight"].astype(float)) if "weight" in present else None,
            weighted_scale=str(scales[0]),
        )

    @property
    def all(self) -> list[str]:
        return self.up + self.down

    def weights(self, direction: str) -> np.ndarray:
        """The signed weights of the ``up`` or ``down`` genes, in their order."""
        genes, given, sign = (
            (self.up, self.up_weights, 1.0) if direction == "up" else (self.down, self.down_weights, -1.0)
        )
        return np.full(len(genes), sign) if given is None else np.asarray(given, dtype=float)

    def weighted_parameters(self, up: np.ndarray | None = None, down: np.ndarray | None = None) -> dict[str, Any]:
        """The ``weighted`` method's per-signature keyword arguments for a set of one: the
        weights of the genes kept (``up``/``down``: masks over the measured genes; all if None)."""
        up_w, down_w = self.weights("up"), self.weights("down")
        if up is not None:
            up_w = up_w[np.asarray(up, dtype=bool)]
        if down is not None:
            down_w = down_w[np.asarray(down, dtype=bool)]
        return {"up_weights": up_w[None, :], "down_weights": down_w[None, :], "scale": self.weighted_scale}


@dataclass(frozen=True)
class ScoringMethod:
    """One scoring method, defined once and vectorised over gene sets.

    ``set_scores(scorer, up, down, **parameters)`` scores many sets (rows of gene indices of
    ``scorer.matrix``; down genes enter with their sign flipped) and returns sets x samples.
    ``parameters`` are the JSON-schema properties of its config block ``scoring.<name>``
    (with defaults): exactly ``set_scores``' keyword arguments, less ``seed`` (given from the
    config's seed where ``seeded``) and ``signature_parameters`` (which come from each
    signature: SignatureGenes.weighted_parameters). Where a library is the method's reference,
    ``library_form`` is that library's per-signature form, which then scores the signatures
    themselves (``set_scores`` is tested equal to it). ``varying_genes`` says why the method
    takes only genes that vary across samples (their z-scores or densities are undefined
    otherwise), for every signature or as a signature decides; None where it takes every
    measured gene."""

    label: str  # what readers see: "HIF1A_REVIEW_TARGETS (mean z-score)"
    summary: str  # one line for the config's comments and the report's caption
    description: str  # what it computes, for the documentation's table (Markdown)
    set_scores: SetScores
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    seeded: bool = False
    library_form: LibraryForm | None = None
    signature_parameters: frozenset[str] = frozenset()
    varying_genes: str | Callable[[SignatureGenes], str | None] | None = None

    def arguments(self, settings: Mapping[str, Any], seed: int) -> dict[str, Any]:
        """Keyword arguments from the method's config block and the config's seed."""
        return dict(settings, seed=seed) if self.seeded else dict(settings)

    def varying_genes_reason(self, genes: SignatureGenes) -> str | None:
        """Why this method scores only the genes of ``genes`` that vary (None: it scores all)."""
        return self.varying_genes(genes) if callable(self.varying_genes) else self.varying_genes

