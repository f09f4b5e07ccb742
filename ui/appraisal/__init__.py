"""量化考核 at the counter: the 考核 menu, the month window (every point traceable to its record), the
scoring rules, 表扬信/锦旗."""
