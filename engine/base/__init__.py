"""base wing: see README.md."""
