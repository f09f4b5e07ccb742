"""Entry point: ``counter-desk`` / ``python -m ui``. Opens the local store (creating the demo
hall on first run), shows the login, then the main window."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import logging
import logging.handlers
import os
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app.errors import DomainError
from app.paths import APP_NAME, data_dir, database_path
from app.pii import install_log_filter
from app.services import Services
from app.startup import recover_if_damaged
from app.store_encryption import (
    NEW,
    PLAIN,
    Encrypted,
    discard_unset_store,
    encrypt_plain_store,
    prepare_new_store,
    store_state,
    sweep_plain_copies,
)
from ui.fonts import install_fonts, install_translations
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.setup.setup_dialog import SetupDialog
from ui.single_instance import SingleInstance
from ui.store_unlock import RecoveryCodeDialog, UnlockDialog
from ui.tasks import TaskRunner

log = logging.getLogger("counterdesk")


def setup_logging(folder: Path, max_bytes: int = 2_000_000, keep: int = 5) -> logging.Handler:
    """Rotating UTF-8 log files in the data folder (counter-desk.log, .1 … .5; 2 MB each), ID numbers
    and mobiles masked in every line (app.pii.PiiLogFilter)."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        folder / "counter-desk.log", maxBytes=max_bytes, backupCount=keep, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"))
    install_log_filter(handler)  # no full ID number or mobile in a log file, whoever logged it
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def _excepthook(exc_type, exc, tb) -> None:
    """An error nobody caught on the GUI thread: logged, shown with details for IT; Qt's event
    loop goes on, so the clerk keeps the screen and what is typed on it."""
    log.error("uncaught exception", exc_info=(exc_type, exc, tb))
    if not isinstance(exc, Exception):
        return  # KeyboardInterrupt and the like: nothing for a clerk to read
    import traceback

    from ui.errors import show_error

    exc.__traceback_text__ = "".join(traceback.format_exception(exc_type, exc, tb))
    show_error(QApplication.activeWindow(), exc)


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    # worker jobs report their errors through the task runner; this catches anything else
    log.error("uncaught exception in thread %s", args.thread.name if args.thread else "?",
              exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def _qt_message(mode: QtMsgType, context, message: str) -> None:
    if mode == QtMsgType.QtDebugMsg:
        return
    level = logging.WARNING if mode in (QtMsgType.QtInfoMsg, QtMsgType.QtWarningMsg) else logging.ERROR
    logging.getLogger("qt").log(level, "%s (%s:%s)", message, context.file, context.line)


def install_error_hooks() -> None:
    """Everything that goes wrong ends up in the log; GUI-thread errors also in a dialog."""
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
    qInstallMessageHandler(_qt_message)


# Libraries Qt's X11 plugin links against that minimal desktops may lack, with their packages.
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4", "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0", "xcb-render-util": "libxcb-render-util0", "xkbcommon-x11": "libxkbcommon-x11-0",
    "xcb-randr": "libxcb-randr0", "xcb-shape": "libxcb-shape0", "xcb-xkb": "libxcb-xkb1",
}


def missing_system_packages() -> list[str]:
    """Packages whose absence makes Qt abort on X11 before Python could explain anything."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb":
        return []
    if not os.environ.get("DISPLAY"):
        return []
    import ctypes.util

    return [pkg for lib, pkg in XCB_LIBRARIES.items() if ctypes.util.find_library(lib) is None]


def make_app(argv: list[str]) -> QApplication:
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication.instance() or QApplication(argv)
    install_fonts(app)
    install_translations(app)
    _set_icon(app)
    return app


def _set_icon(app: QApplication) -> None:
    try:
        from ui.icons import app_icon
    except ImportError:  # pragma: no cover - icons arrive with the packaging work
        return
    app.setWindowIcon(app_icon())


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="counter-desk", description="窗口工作台")
    parser.add_argument("--data", type=Path, help="data folder (default: the user data folder)")
    parser.add_argument("--demo", action="store_true",
                        help="on a new data folder, set up the demo hall without asking (training, trying it out)")
    parser.add_argument("--startup-probe", action="store_true",
                        help="exit as soon as the login window is shown (cold-start benchmark)")
    return parser.parse_known_args(argv[1:])[0]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    args = _parse(argv)
    folder = data_dir(args.data)
    setup_logging(folder / "logs")
    missing = missing_system_packages()
    if missing:
        message = ("缺少系统组件，窗口无法显示。请让信息科安装后再启动（Debian/Ubuntu/统信/麒麟）：\n"
                   "sudo apt install " + " ".join(missing))
        log.error(message)
        print(message, file=sys.stderr)
        return 3
    # UI state (window geometry) in Qt's settings file; this PC's settings are in machine.ini
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "settings"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    app = make_app(argv)
    install_error_hooks()
    instance = SingleInstance(folder)
    if not instance.acquire():
        log.info("already running for %s; asked it to come forward", folder)
        return 0
    try:
        return _run(app, folder, args, instance)
    finally:
        instance.release()


def _run(app: QApplication, folder: Path, args: argparse.Namespace, instance: SingleInstance) -> int:
    db_path = database_path(folder)
    runner = TaskRunner()
    try:
        opened = _open_key(db_path, runner, args)
    except DomainError as exc:  # e.g. the keyring missing, or encryption failed (the data as it was)
        log.error("store not opened: %s", exc.message)
        QMessageBox.critical(None, "窗口工作台", exc.message)
        runner.wait_all()
        return 2
    if opened is None:
        runner.wait_all()
        return 0
    key, credentials, new_code = opened
    if not recover_if_damaged(db_path, _ask_restore, dt.datetime.now(), key):
        return 4
    try:
        services = Services.open(db_path, key=key)
    except DomainError as exc:  # e.g. a failed upgrade, already put back from its backup
        log.error("store not opened: %s", exc.message)
        QMessageBox.critical(None, "窗口工作台", exc.message)
        return 2
    log.info("started, data folder %s", folder)
    runner.run(lambda: sweep_plain_copies(db_path, key), lambda r: None,
               lambda exc: log.error("plain copies not swept: %s", exc))
    try:
        if not services.is_set_up():
            if SetupDialog(services, runner, demo=args.demo).exec() != QDialog.DialogCode.Accepted:
                runner.wait_all()
                services.close()
                discard_unset_store(db_path)  # next start begins afresh (a new key with it)
                return 0
            credentials = None
            if new_code is not None and not args.demo and not args.startup_probe:
                RecoveryCodeDialog(new_code).exec()  # once the hall is set up: a key worth keeping
        return _sessions(app, services, runner, instance, args.startup_probe, credentials)
    finally:
        runner.wait_all()
        services.close()


def _open_key(db_path: Path, runner: TaskRunner, args: argparse.Namespace) \
        -> tuple[bytes, tuple[str, str] | None, str | None] | None:
    """The store's key, who opened it, and a new store's recovery key (shown after its setup): a new
    store's, a plain store's after encrypting it, or an encrypted store's from the unlock dialog
    (None: the dialog was closed)."""
    state = store_state(db_path)
    if state == NEW:
        key, code = prepare_new_store(db_path, dt.datetime.now())
        return key, None, code
    if state == PLAIN:
        result = _encrypt_with_progress(db_path, runner)
        reason = (f"本机数据已加密保存（升级后首次启动）。已加密备份 {result.backups_encrypted} 份。"
                  "下面是本机的恢复密钥：")
        if result.plain_left:
            reason += "\n\n注意：以下未加密副本未能删除，请信息科手工删除：" + "；".join(result.plain_left)
        if not args.startup_probe:
            RecoveryCodeDialog(result.recovery_code, reason=reason).exec()
        return result.key, None, None
    dialog = UnlockDialog(runner, db_path)
    if args.startup_probe:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, dialog.reject)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.key is None:
        return None
    return dialog.key, dialog.credentials, None


def _encrypt_with_progress(db_path: Path, runner: TaskRunner) -> Encrypted:
    """Encrypt the plain store on a worker thread behind a modal 'please wait' (a large store takes a while)."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QProgressDialog

    box = QProgressDialog("正在加密本机数据，请稍候（请勿关机）…", "", 0, 0)
    box.setWindowTitle("窗口工作台")
    box.setCancelButton(None)
    box.setMinimumDuration(0)
    box.show()
    loop = QEventLoop()
    outcome: list[object] = []
    runner.run(lambda: encrypt_plain_store(db_path, dt.datetime.now()),
               lambda r: (outcome.append(r), loop.quit()), lambda exc: (outcome.append(exc), loop.quit()))
    loop.exec()
    box.close()
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    assert isinstance(outcome[0], Encrypted)
    return outcome[0]


def _sessions(app: QApplication, services: Services, runner: TaskRunner, instance: SingleInstance,
              probe: bool, credentials: tuple[str, str] | None = None) -> int:
    """Login, work, and again after a logout, until the app is closed. ``credentials``: the first
    sign-in's, typed already to open the store."""
    code = 0
    while True:
        login = LoginDialog(services, runner, _hall_name(services))
        if probe:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, login.reject)
        elif credentials is not None:
            from PySide6.QtCore import QTimer

            first, credentials = credentials, None
            QTimer.singleShot(0, functools.partial(login.submit, *first))
        if login.exec() != QDialog.DialogCode.Accepted or login.staff is None:
            return code
        window = MainWindow(services, runner, login.staff, punch_on_login=True)
        instance.activation_requested.connect(window.bring_forward)
        runner.run(services.daily_backup, lambda path: path and log.info("daily backup %s", path),
                   lambda exc: log.error("daily backup failed: %s", exc))
        relogin: list[bool] = []
        window.logged_out.connect(relogin.append)
        window.show()
        code = app.exec()
        if not relogin:
            return code


def _ask_restore(message: str, can_restore: bool) -> bool:
    box = QMessageBox(QMessageBox.Icon.Critical, "窗口工作台 — 数据文件损坏", message)
    restore_button = box.addButton("用备份恢复", QMessageBox.ButtonRole.AcceptRole) if can_restore else None
    box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.exec()  # before any window exists: nothing else to keep responsive
    return restore_button is not None and box.clickedButton() is restore_button


def _hall_name(services: Services) -> str:
    from app.setup import hall_name

    return hall_name(services.ctx)


if __name__ == "__main__":
    sys.exit(main())
