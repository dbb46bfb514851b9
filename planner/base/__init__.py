"""The lowest layer: cited conventions, errors, units and number formatting, notebook views, records. Imports nothing
else from planner."""
