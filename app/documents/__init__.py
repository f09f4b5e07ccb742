"""Printed documents: receipts and notices, rendered with ReportLab (Qt-free)."""
