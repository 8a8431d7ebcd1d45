"""help feature."""
