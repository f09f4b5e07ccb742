"""ledger screens."""
