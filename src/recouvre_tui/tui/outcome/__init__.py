"""outcome feature."""
