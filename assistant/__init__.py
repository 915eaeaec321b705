"""Curio: a local-first assistant that asks the questions a good supervisor would ask."""

__version__ = "0.1.0"
