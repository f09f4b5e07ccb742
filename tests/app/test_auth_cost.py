"""The product hashes passwords and store keys with argon2id at the library's recommended cost
(tests/conftest.py lowers it for the tests' own hashing; this checks what the product uses)."""

from __future__ import annotations

import subprocess
import sys

from argon2 import PasswordHasher


def test_the_product_hashes_at_the_recommended_cost() -> None:
    code = ("import app.auth, app.store_key, server.devices; "
            "print(app.auth.hash_password('x')); print(server.devices._hasher.hash('x')); "
            "print(sorted(app.store_key.KDF.items()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    recommended = PasswordHasher()
    params = f"m={recommended.memory_cost},t={recommended.time_cost},p={recommended.parallelism}"
    assert recommended.memory_cost >= 65536 and recommended.time_cost >= 3
    assert out[0].startswith("$argon2id$") and params in out[0]
    assert params in out[1]
    assert out[2] == str(sorted({"memory_cost": 65536, "parallelism": 4, "time_cost": 3}.items()))
