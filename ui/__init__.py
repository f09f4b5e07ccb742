"""PySide6 user interface of Counter Desk."""
