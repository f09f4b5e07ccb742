"""The void-number register (作废号登记): voiding a spoiled paper or a skipped number, and the
register (作废号登记簿) by period, type and window, printable and exportable."""
