"""An empty chart says why in lines that fit a narrow chart: plotly never wraps an annotation itself."""
from __future__ import annotations

from layouts.components.empty import EMPTY_LINE, empty_figure


def test_a_long_reason_is_broken_into_lines_that_fit_the_narrowest_chart():
    reason = "Tidak ada pengguna jasa dengan konsinyasi atau pelanggaran pada filter ini."
    lines = empty_figure(reason)["layout"]["annotations"][0]["text"].split("<br>")
    assert len(lines) > 1 and all(len(line) <= EMPTY_LINE for line in lines)
    assert " ".join(lines) == reason  # every word kept, in order


def test_a_short_reason_stays_one_line():
    assert empty_figure("Belum ada data.")["layout"]["annotations"][0]["text"] == "Belum ada data."
