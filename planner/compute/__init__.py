"""What a plan costs and looks like on real hardware: FLOPs ↔ GPU-hours, days and dollars; transformer shapes and
their exact FLOPs per token. (Learning-rate and batch-size laws are a law family: :mod:`planner.laws.hparams`.)

- :mod:`~planner.compute.hardware`: chips, clusters and the conversions between FLOPs, time and money.
- :mod:`~planner.compute.shapes`: decoder-only shapes for a parameter count (Hoffmann App. F, Kaplan Table 1).
"""
