"""The report: figures and report.md, from stored tables only."""
