"""The monthly quantitative appraisal (量化考核): scoring rules as data, the facts of a month,
scores, grades, quotas and awards."""
