"""Sync with the central server (docs/sync-protocol.md).

Shared by the counter and the server (Qt-free, I/O-free): op kinds, answer statuses and codes,
scope names (``protocol``), the row shapes that travel (``rows``) and the per-scope checksum
(``checksum``), so a row hashed on the server hashes the same on the counter.

The counter's sync client (Qt-free; the UI and tests hold ``client.SyncService``): ``client`` (the
public API), ``cycle`` (one cycle), ``push``, ``pull``, ``blocks`` (number blocks), ``enrol``,
``quarantine``, ``apply`` (server rows into local tables; rows held back by local work),
``verify`` (the local scope checksum), ``shapes`` (answer checks), ``transport`` (HTTP),
``state`` and ``errors``.
"""
