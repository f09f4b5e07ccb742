"""Preview of one paper before it goes to the printer; print via the system dialog or straight
to the hall's default printer. A failed or cancelled print changes nothing and can be repeated."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.context import Actor
from app.documents.service import PreparedDocument, Printable
from app.dto import StaffInfo
from app.services import Services
from ui.documents.printing import default_printer, print_pdf
from ui.errors import show_error
from ui.tasks import TaskRunner


class NoticePreviewDialog(QDialog):
    printed = Signal(object)  # PreparedDocument

    def __init__(self, services: Services, runner: TaskRunner, staff: StaffInfo, printable: Printable,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.runner, self.staff, self.printable = services, runner, staff, printable
        self.prepared: PreparedDocument | None = None
        self.setObjectName("noticePreview")
        self.setWindowTitle(self.tr("预览：") + printable.title + " " + printable.number)
        self.resize(900, 720)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("noticePdfView")
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self.status = QLabel(self.tr("正在生成…"))
        self.status.setObjectName("previewStatus")
        self.busy = QProgressBar()
        self.busy.setObjectName("previewBusy")
        self.busy.setRange(0, 0)  # rendering and reading run on a worker: the dialog stays responsive
        self.busy.setMaximumWidth(160)
        self.buffer: QBuffer | None = None
        self.print_button = QPushButton(self.tr("打印…(&P)"))
        self.print_button.setObjectName("printWithDialog")
        self.direct_button = QPushButton(self.tr("直接打印(&D)"))
        self.direct_button.setObjectName("printDirect")
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.reject)
        self.print_button.clicked.connect(self._on_print_clicked)
        self.direct_button.clicked.connect(self._on_direct_clicked)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(self.busy)
        for b in (self.print_button, self.direct_button, close):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        self._set_buttons(False)
        notice_id, kind = printable.notice_id, printable.kind
        actor = Actor(self.staff.id, self.staff.name)
        self.runner.run(lambda: self._render(actor, notice_id, kind), self._on_prepared, self._on_failed,
                        owner=self)

    def _render(self, actor: Actor, notice_id: str, kind: str) -> tuple[PreparedDocument, bytes]:
        """On a worker: render and archive the paper (the GUI thread never touches the disk)."""
        doc = self.services.notices.prepare(actor, notice_id, kind)
        return doc, doc.pdf

    def _set_buttons(self, enabled: bool) -> None:
        self.print_button.setEnabled(enabled)
        self.direct_button.setEnabled(enabled)

    def _on_prepared(self, result: tuple[PreparedDocument, bytes]) -> None:
        doc, data = result
        self.prepared = doc
        self.buffer = QBuffer(self)
        self.buffer.setData(QByteArray(data))
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self.buffer)  # from memory: parsed here, read from disk on the worker
        self.busy.hide()
        mark = self.tr("【补打】此前已打印过，本次打印件将标注“补打”。") if doc.reprint else ""
        self.status.setText(mark + self.tr("共 ") + str(self.document.pageCount()) + self.tr(" 页"))
        self._set_buttons(True)

    def _on_failed(self, exc: Exception) -> None:
        self.busy.hide()
        self.status.setText(self.tr("未能生成文书，请按提示处理后重新打开预览。"))
        show_error(self, exc)

    def _on_print_clicked(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.accepted.connect(lambda: self.print_to(printer, printer.printerName() or "PDF"))
        dialog.open()

    def _on_direct_clicked(self) -> None:
        try:
            printer = default_printer(self.services.machine_settings().printer)
        except Exception as exc:
            show_error(self, exc)
            return
        self.print_to(printer, printer.printerName())

    def print_to(self, printer: QPrinter, target: str) -> None:
        """Print off the GUI thread, then audit it; on failure the paper can be printed again."""
        doc = self.prepared
        assert doc is not None
        self._set_buttons(False)
        self.status.setText(self.tr("正在打印…"))
        actor = Actor(self.staff.id, self.staff.name)

        def record(_pages: int) -> None:
            self.runner.run(lambda: self.services.notices.record_print(actor, doc, target),
                            lambda _r: self._on_printed(doc), self._on_print_failed, write=True, owner=self)

        # the printer on the parallel pool, the audit row on the single writer
        self.runner.run(lambda: print_pdf(doc.pdf, printer), record, self._on_print_failed)

    def _on_printed(self, doc: PreparedDocument) -> None:
        self.status.setText(self.tr("已打印。") + (self.tr("（补打，已记录）") if doc.reprint else ""))
        self._set_buttons(True)
        self.printed.emit(doc)

    def _on_print_failed(self, exc: Exception) -> None:
        self.status.setText(self.tr("打印未完成，可重新打印。"))
        self._set_buttons(True)
        show_error(self, exc)
