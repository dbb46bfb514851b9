"""The planning questions, answered from a law: the compute-optimal plan, what-ifs, plans under constraints,
intervals, distillation, benchmark forecasts, and the warnings and numeric solvers they share. Opens no file."""
