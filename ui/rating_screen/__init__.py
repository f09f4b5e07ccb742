"""The rating screen (评价器) on the applicant's monitor: the only code path that records a rating."""
