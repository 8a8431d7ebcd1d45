"""recouvre-tui: a terminal workspace for a French debt-collection team."""

__version__ = "0.1.0"
