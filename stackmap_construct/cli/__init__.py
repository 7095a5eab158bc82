"""The command-line shell around the library (nothing imports it)."""
