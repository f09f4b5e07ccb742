"""cases screens."""
