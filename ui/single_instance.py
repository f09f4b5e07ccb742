"""One running app per data folder: a second start asks the first to come forward and exits,
so the same database is never opened twice by two windows."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from app.paths import LOCK_FILE


def _server_name(folder: Path) -> str:
    digest = hashlib.sha1(str(folder.resolve()).encode("utf-8")).hexdigest()[:16]
    return f"counter-desk-{digest}"


class SingleInstance(QObject):
    """``acquire()`` True: we are the first and listen; False: the first was asked to show itself."""

    activation_requested = Signal()

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        folder.mkdir(parents=True, exist_ok=True)
        self.name = _server_name(folder)
        self.lock = QLockFile(str(folder / LOCK_FILE))
        self.lock.setStaleLockTime(0)  # a lock left by a crashed process is detected by its PID
        self.server: QLocalServer | None = None

    def acquire(self) -> bool:
        if not self.lock.tryLock(100):
            self._ask_first_to_show()
            return False
        QLocalServer.removeServer(self.name)  # a socket file left by a crash
        self.server = QLocalServer(self)
        self.server.newConnection.connect(self._on_server_new_connection)
        self.server.listen(self.name)
        return True

    def _ask_first_to_show(self) -> None:
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if socket.waitForConnected(1000):
            socket.write(b"show\n")
            socket.waitForBytesWritten(1000)
            socket.disconnectFromServer()

    def _on_server_new_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            connection = self.server.nextPendingConnection()
            connection.readyRead.connect(lambda c=connection: self._on_connection_ready(c))

    def _on_connection_ready(self, connection: QLocalSocket) -> None:
        if b"show" in bytes(connection.readAll().data()):
            self.activation_requested.emit()
        connection.disconnectFromServer()

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
        self.lock.unlock()
