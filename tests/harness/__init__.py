"""Fault-injection harness for sync (issue #4): real server process, real counter processes, a
faulty network in between; see docs/fault-harness.md. ``python -m tests.harness --scenarios 200``."""
