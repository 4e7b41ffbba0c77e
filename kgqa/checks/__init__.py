"""Checks of answers and premises: claim parsing, premise checking, causal/temporal checking, the verdict."""
