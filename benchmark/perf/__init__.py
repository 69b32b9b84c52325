"""The measurements of the suite itself: make bench, make bench-search."""
