"""The void-number register (作废号登记): voiding a paper from a case, and the register window."""
