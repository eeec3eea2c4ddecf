"""work wing: see README.md."""
