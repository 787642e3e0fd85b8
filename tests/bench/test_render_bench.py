"""The render benchmark's arithmetic: nearest-rank percentiles and the verdict on the target."""

from __future__ import annotations

import argparse

from bench.render.run import Run, percentile, render_doc


def run(pdf: float) -> Run:
    return Run({"json": 0.01, "html": 0.09, "pdf": pdf}, cpu_total=pdf, sizes={"json": 1, "html": 2,
                                                                            "pdf": 3})  # fmt: skip


def test_nearest_rank_percentile() -> None:
    values = [float(v) for v in range(1, 21)]  # 1 .. 20
    assert percentile(values, 95) == 19.0  # rank ceil(0.95 * 20) = 19
    assert percentile(values, 50) == 10.0
    assert percentile([3.0], 95) == 3.0


def test_verdict_reads_the_95th_percentile_then_the_median() -> None:
    args = argparse.Namespace(paths=1000, argv=[])
    fast = render_doc([run(1.0)] * 19 + [run(2.0)], run(3.0), args, "now")
    # 19 runs of 1.1 s and one of 2.1 s: the 95th percentile (rank 19) is 1.1 s.
    assert "under 1.5 s — met:** median 1.100 s, 95th percentile 1.100 s" in fast
    # 11 runs of 1.1 s and 9 of 2.1 s: the median is 1.1 s, the 95th percentile 2.1 s.
    slow = render_doc([run(1.0)] * 11 + [run(2.0)] * 9, run(3.0), args, "now")
    assert "— met by the median:** median 1.100 s, 95th percentile 2.100 s" in slow
    assert "| PDF | 1.000 | 2.000 | 3 |" in slow
    assert "— not met:" in render_doc([run(2.0)] * 3, run(3.0), args, "now")
