"""`make bench`: the app measured side by side with the engine floor, in one run."""
