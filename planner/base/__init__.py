"""The lowest layer: cited conventions, errors, units and number formatting, notebook views. Imports nothing else
from planner."""
