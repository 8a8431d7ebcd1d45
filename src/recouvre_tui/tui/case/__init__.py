"""case feature."""
