"""What a plan costs and looks like on real hardware: FLOPs ↔ GPU-hours, days and dollars; transformer shapes and
their exact FLOPs per token; suggested batch size and learning rate.

- :mod:`~planner.compute.hardware`: chips, clusters and the conversions between FLOPs, time and money.
- :mod:`~planner.compute.shapes`: decoder-only shapes for a parameter count (Hoffmann App. F, Kaplan Table 1).
- :mod:`~planner.compute.hparams`: DeepSeek's batch-size and learning-rate power laws.
"""
