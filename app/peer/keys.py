"""The voter's keys of a peer-evaluation round (docs/peer-evaluation.md), all derived from the
rater's own password, so that nothing stored anywhere links a ballot to its rater without it.

* ``voter_key``: argon2id over the password, salted with the round and the rater (the same person
  gets a different key in every round; guessing a password costs one argon2 run per guess, per
  round, per person).
* ``ballot_key``: names the rater's ballot for one ratee (HMAC-SHA256 of the round and the ratee):
  the same voter gets the same name again, so a changed ballot replaces the first one on the server.
* ``verifier``: kept in the public turnout row, so a second vote can be checked to come from the
  same password (and so from the same voter) without saying anything about the ballots.
"""

from __future__ import annotations

import hashlib
import hmac

from argon2.low_level import Type, hash_secret_raw

# argon2id at OWASP's minimum for interactive use (19 MiB, 2 passes): about as slow as a login
TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1
KEY_BYTES = 32
_VERIFIER_LABEL = b"counter-desk peer voter verifier v1"


def _salt(round_id: str, rater_id: str) -> bytes:
    return hashlib.sha256(f"counter-desk peer salt v1:{round_id}:{rater_id}".encode()).digest()[:16]


def voter_key(password: str, round_id: str, rater_id: str) -> bytes:
    """The rater's secret for ``round_id`` (32 bytes); only their password reproduces it."""
    return hash_secret_raw(password.encode("utf-8"), _salt(round_id, rater_id), time_cost=TIME_COST,
                           memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM, hash_len=KEY_BYTES, type=Type.ID)


def ballot_key(voter_key: bytes, round_id: str, ratee_id: str) -> str:
    """The name (64 hex) of the voter's ballot for ``ratee_id`` in ``round_id``."""
    return hmac.new(voter_key, f"ballot:{round_id}:{ratee_id}".encode(), hashlib.sha256).hexdigest()


def verifier(voter_key: bytes) -> str:
    """64 hex that confirm the same voter key again (stored with the turnout, which is public)."""
    return hmac.new(voter_key, _VERIFIER_LABEL, hashlib.sha256).hexdigest()
