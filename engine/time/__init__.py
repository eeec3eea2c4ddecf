"""time wing: see README.md."""
