"""Render time of each paper after warm-up (aim: ≤ 50 ms per page). Run with `make bench`."""

from __future__ import annotations

import io
import statistics
import time

import pytest
from pypdf import PdfReader

from app.documents.model import TITLES
from app.documents.pdf import render_pdf
from tools.render_samples import sample


@pytest.mark.parametrize("kind", list(TITLES))
def test_render_time(kind: str, benchmark) -> None:
    data = sample(kind, copy_labels=("申请人留存联", "存档联") if kind == "deferred" else ())
    pages = len(PdfReader(io.BytesIO(render_pdf(data))).pages)
    for _ in range(3):
        render_pdf(data)
    samples = []
    for _ in range(30):
        t0 = time.perf_counter()
        render_pdf(data)
        samples.append((time.perf_counter() - t0) * 1000)
    median = statistics.median(samples)
    print(f"\n{kind:11s} {TITLES[kind]:10s} median {median:6.1f} ms, {pages} page(s), {median / pages:6.1f} ms/page")
    benchmark.pedantic(render_pdf, args=(data,), rounds=10)
