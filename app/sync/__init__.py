"""What the counter's sync client and the central server share: op kinds, answer statuses and
codes, scope names, the row shapes that travel, and the per-scope checksum (docs/sync-protocol.md).

Qt-free and I/O-free: both sides import it, so a row hashed on the server hashes the same on
the counter.
"""
