"""The preview widget itself must survive rendering pages (PySide6 6.12.0 crashed the
interpreter here, hence the pin in pyproject). Run in a subprocess so a crash is a failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.documents.pdf import render_pdf
from tools.render_samples import sample

SCRIPT = """
import sys, time
from PySide6.QtWidgets import QApplication
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
app = QApplication([])
doc = QPdfDocument()
assert doc.load(sys.argv[1]) == QPdfDocument.Error.None_
view = QPdfView()
view.setDocument(doc)
view.setPageMode(QPdfView.PageMode.MultiPage)
view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
view.resize(900, 700)
view.show()
end = time.time() + 2
while time.time() < end:
    app.processEvents()
image = view.grab().toImage()
dark = sum(1 for y in range(0, image.height(), 4) for x in range(0, image.width(), 4)
           if image.pixelColor(x, y).lightness() < 128)
print("DARK", dark)
"""


def test_pdf_view_renders_a_notice_without_crashing(tmp_path: Path) -> None:
    pdf = tmp_path / "acceptance.pdf"
    pdf.write_bytes(render_pdf(sample("acceptance")))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(pdf)], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    dark = int(done.stdout.split("DARK")[1])
    assert dark > 50  # the page's text is on screen, not a blank view
