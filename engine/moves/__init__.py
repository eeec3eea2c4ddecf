"""moves wing: see README.md."""
