"""Writing figures: one layout for every format, the image savefig's "tight" gives."""

from __future__ import annotations

import re

import numpy as np


def laid_out_figure():
    """Panels under constrained layout with a legend outside them, as the null figure is."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(7, 5), layout="constrained", sharex=True)
    rng = np.random.default_rng(2)
    for k, axis in enumerate(axes.ravel()):
        axis.hist(rng.normal(size=500), bins=30, label=f"null {k}")
        axis.axvline(0.4 * k, color="black", label=f"signature {k}")
        axis.set_title(f"a long panel title, number {k}", fontsize=9)
    figure.suptitle("a two-line title\nthat the tight bounding box must hold", fontsize=10)
    figure.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncols=2, frameon=False)
    return figure


def page_size(pdf: bytes) -> tuple[float, float]:
    found = re.search(rb"/MediaBox \[ 0 0 ([0-9.]+) ([0-9.]+) \]", pdf)
    assert found is not None
    return float(found[1]), float(found[2])


def test_save_figure_lays_out_once_and_draws_what_savefig_tight_draws(tmp_path):
    import matplotlib.pyplot as plt

    from hif_prognosis.presentation.plotting import _PDF_METADATA, _PNG_METADATA, FIGURE_DPI, save_figure

    saved = [laid_out_figure(), laid_out_figure()]
    save_figure(saved[0], tmp_path / "once.png", tmp_path / "once.pdf")
    save_figure(saved[1], tmp_path / "again.png", tmp_path / "again.pdf")
    tight = laid_out_figure()
    tight.savefig(tmp_path / "tight.png", dpi=FIGURE_DPI, bbox_inches="tight", metadata=_PNG_METADATA)
    tight.savefig(tmp_path / "tight.pdf", dpi=FIGURE_DPI, bbox_inches="tight", metadata=_PDF_METADATA)
    plt.close(tight)

    assert (tmp_path / "once.png").read_bytes() == (tmp_path / "tight.png").read_bytes()
    assert (tmp_path / "once.png").read_bytes() == (tmp_path / "again.png").read_bytes()
    assert (tmp_path / "once.pdf").read_bytes() == (tmp_path / "again.pdf").read_bytes()
    # the PDF's page is the PNG's bounding box, which the PDF's own text metrics put within a
    # fraction of a point of where savefig's "tight" would
    once, tight_size = page_size((tmp_path / "once.pdf").read_bytes()), page_size((tmp_path / "tight.pdf").read_bytes())
    np.testing.assert_allclose(once, tight_size, atol=0.5)
    assert not any(plt.fignum_exists(figure.number) for figure in saved)  # freed once written
