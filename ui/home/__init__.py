"""home screens."""
