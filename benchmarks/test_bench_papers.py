"""Render time of each paper after warm-up (aim: ≤ 50 ms per page). Run with `make bench`.

Besides one of each paper: a 120-item 补正 notice (11 pages of grid paragraphs and table cells, where
the line breaking and the per-character faces cost most) and a name from CJK Extension B."""

from __future__ import annotations

import io
import statistics
import time

import pytest
from pypdf import PdfReader

from app.documents.model import TITLES, ItemLine
from app.documents.pdf import render_pdf
from tools.render_samples import sample

LONG = tuple(ItemLine(f"第{i}项补充材料（按要求加盖公章）", "missing", 1, 1, "缺少原件") for i in range(1, 121))
CASES = {kind: {"copy_labels": ("申请人留存联", "存档联")} if kind == "deferred" else {} for kind in TITLES}
CASES["correction-120"] = {"kind": "correction", "items": LONG}
CASES["rare-name"] = {"kind": "acceptance", "applicant_name": "欧阳𠮷𬌗"}


@pytest.mark.parametrize("kind", list(CASES))
def test_render_time(kind: str, benchmark) -> None:
    extra = dict(CASES[kind])
    data = sample(str(extra.pop("kind", kind)), **extra)
    pages = len(PdfReader(io.BytesIO(render_pdf(data))).pages)
    for _ in range(3):
        render_pdf(data)
    samples = []
    for _ in range(30):
        t0 = time.perf_counter()
        render_pdf(data)
        samples.append((time.perf_counter() - t0) * 1000)
    median = statistics.median(samples)
    print(f"\n{kind:15s} {TITLES[data.kind]:10s} median {median:6.1f} ms, {pages} page(s), "
          f"{median / pages:6.1f} ms/page")
    benchmark.pedantic(render_pdf, args=(data,), rounds=10)
