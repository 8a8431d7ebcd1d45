"""Report renderings (JSON, CSV, text) of results computed by the store and the services."""
