"""welcome feature."""
