"""views wing: see README.md."""
