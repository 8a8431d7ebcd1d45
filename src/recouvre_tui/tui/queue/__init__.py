"""queue feature."""
