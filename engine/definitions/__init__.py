"""definitions wing: see README.md."""
