"""dispatch wing: see README.md."""
