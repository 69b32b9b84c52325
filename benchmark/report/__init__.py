"""The report: figures and report.md, from stored tables only."""

import matplotlib

matplotlib.use("Agg")  # before any pyplot import below: no display on the machines that run this
