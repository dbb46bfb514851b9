"""Shipped scaling-law presets: one TOML file per law (read by planner.presets)."""
