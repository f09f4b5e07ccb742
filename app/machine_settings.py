"""Settings of this counter PC, kept apart from the hall's data: the central server's address
(and the hall's own CA file for its certificate, app.server_address), the printer for notices,
the idle lock, how many daily backups to keep and which monitor is the applicant's rating screen
(评价器).

They live in ``machine.ini`` (UTF-8) in the data folder, so a restore of the database from a
backup never takes them back, and IT staff can read or script them (``counter-desk-admin
machine-set``). UI state such as window geometry is elsewhere (Qt's settings file); the hall's
parameters (notice wording, warning window...) are in the database.

An empty value means "use the default": the system's default printer, the hall's parameter for
the idle lock and the backup count, no server (the counter runs standalone), no rating screen (the
papers carry the rating QR code instead). Qt-free.
"""

from __future__ import annotations

import configparser
import logging
import os
import tempfile
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from app import server_address
from app.errors import InvalidInput, StorageError

log = logging.getLogger(__name__)
FILE_NAME = "machine.ini"
SECTION = "counter"
LABELS = {
    "server_url": "中心服务器地址",
    "server_ca_file": "中心服务器 CA 证书文件",
    "printer": "通知书打印机",
    "idle_lock_minutes": "无操作自动锁屏（分钟）",
    "backup_keep": "自动备份保留份数",
    "rating_screen": "评价器显示屏",
}
_RANGES = {"idle_lock_minutes": (1, 120), "backup_keep": (1, 365)}
SCREEN_NAME_MAX = 120


@dataclass(frozen=True)
class MachineSettings:
    server_url: str = ""
    printer: str = ""
    idle_lock_minutes: int | None = None
    backup_keep: int | None = None
    rating_screen: str = ""  # the name of the applicant's monitor (as the system names it); '' = none
    server_ca_file: str = ""  # PEM file of the hall's own CA; '' = the system's trust store

    def with_value(self, key: str, text: str) -> MachineSettings:
        """A copy with ``key`` set from what a person typed; InvalidInput says what is wrong."""
        if key not in LABELS:
            raise InvalidInput(f"未知的本机设置项 {key}。可用：{'、'.join(LABELS)}", field=key)
        changes: dict[str, Any] = {key: parse_value(key, text)}
        return replace(self, **changes)


def check_server_url(text: str) -> str:
    """'' (standalone) or an address as a person typed it: https://, or http:// to this PC only
    (app.server_address); a missing scheme is https://, or http:// for this PC."""
    return server_address.check(text)


def check_screen_name(text: str) -> str:
    """'' (no rating screen) or a monitor's name as the system gives it (e.g. \\\\.\\DISPLAY2, HDMI-1)."""
    text = text.strip()
    if len(text) > SCREEN_NAME_MAX or not text.isprintable():
        raise InvalidInput(f"评价器显示屏应为显示屏的名称（最多 {SCREEN_NAME_MAX} 个字符），留空表示不接评价器。",
                           field="rating_screen")
    return text


def parse_value(key: str, text: str, *, stored: bool = False) -> str | int | None:
    """``text`` as the value of ``key``. ``stored``: read from machine.ini, where an http:// address
    of another machine and a CA file gone missing are kept as they are (the transport refuses them and
    the status line says why) rather than silently turning the counter standalone."""
    text = text.strip()
    if key == "server_url":
        if stored:
            address = server_address.parse(text)
            return address.url if address else ""
        return check_server_url(text)
    if key == "server_ca_file":
        return server_address.check_ca_path(text) if stored else server_address.check_ca_file(text)
    if key == "printer":
        return text
    if key == "rating_screen":
        return check_screen_name(text)
    if not text:
        return None
    low, high = _RANGES[key]
    if not text.isdigit() or not low <= int(text) <= high:
        raise InvalidInput(f"{LABELS[key]}应为 {low} 到 {high} 之间的整数，留空表示使用大厅默认值。", field=key)
    return int(text)


class MachineSettingsStore:
    """Reads and writes ``machine.ini`` in a data folder.

    ``load()`` never fails on a damaged file: values it cannot use fall back to the default, are
    logged, and are listed in ``problems`` so the settings dialog can say so. ``save()`` replaces
    the file atomically (a power cut leaves the old or the new file, never half of one).
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME
        self.problems: list[str] = []

    def load(self) -> MachineSettings:
        self.problems = []
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(self.path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            self._problem(f"本机设置文件无法读取（{exc}），已使用默认设置。")
            return MachineSettings()
        settings = MachineSettings()
        section = parser[SECTION] if parser.has_section(SECTION) else {}
        for key in LABELS:
            if key in section:
                try:
                    value: dict[str, Any] = {key: parse_value(key, section[key], stored=True)}
                    settings = replace(settings, **value)
                except InvalidInput as exc:
                    self._problem(f"{LABELS[key]}“{section[key]}”无效，已使用默认值：{exc.message}")
        address = server_address.parse(settings.server_url)
        if address is not None and not address.allowed:
            self._problem(f"本机同步已停止：{server_address.PLAIN_REFUSED}请改为 https:// 地址。")
        return settings

    def save(self, settings: MachineSettings) -> None:
        parser = configparser.ConfigParser(interpolation=None)
        parser[SECTION] = {f.name: _text(getattr(settings, f.name)) for f in fields(settings)}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".machine-", suffix=".ini", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                    out.write("# 窗口工作台 本机设置（留空表示使用默认值）\n")
                    parser.write(out)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, self.path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError as exc:
            raise StorageError(
                f"本机设置未能保存（{exc.strerror or exc}）。请检查磁盘空间和数据目录权限后重试。"
            ) from exc
        self.problems = []

    def _problem(self, text: str) -> None:
        log.warning("%s: %s", self.path, text)
        self.problems.append(text)


def _text(value: object) -> str:
    return "" if value is None else str(value)
