"""Preview and printing of notices."""
