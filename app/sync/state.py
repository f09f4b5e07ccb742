"""What the sync client keeps between runs, in ``sync_state`` (one row per key). Each function is
one short local transaction (a read, or BEGIN IMMEDIATE ... COMMIT)."""

from __future__ import annotations

from app.context import AppContext
from db.sync_repository import SyncRepository

CREDENTIAL = "credential"  # "<device_id>.<secret>", as the server handed it out at enrolment
DEVICE_ID = "device_id"  # this PC's client_id on the server
SERVER_URL = "server_url"  # the address it was enrolled at
EPOCH = "epoch"  # the server epoch the acknowledged ops and pull cursors belong to
LAST_SUCCESS = "last_success_at"  # ISO local time of the last complete cycle
SKEW = "skew_seconds"  # server time - device time at the last contact
REPORT_NUMBERS = "report_numbers"  # set on a new epoch until the held numbers are reported
ENROL_REQUEST = "enrol_request"  # "<code>\n<request_id>": an enrolment whose answer may be lost
BAD_ROWS = "bad_rows"  # JSON: rows a pull skipped because this counter cannot take them (app.sync.pull)
RUNNING_SUM = "running_sum:"  # + scope -> "<checksum>:<last client_seq>" of a pull from 0 (app.sync.running)
REWOUND = "rewound:"  # + scope -> "<until ISO>|<server checksum last found differing>" (app.sync.pull)
LEASE = "lease:"  # + "<kind>:<year>" -> request_id of a block lease not answered yet


def load(ctx: AppContext) -> dict[str, str]:
    with ctx.db.read() as s:
        return SyncRepository(s).state()


def save(ctx: AppContext, **values: str | None) -> None:
    """Set (or, with None, remove) keys together."""
    with ctx.db.write() as s:
        repo = SyncRepository(s)
        for key, value in values.items():
            if value is None:
                repo.drop(key)
            else:
                repo.put(key, value)
