"""intake screens."""
