"""Checks of answers and premises: question analysis, claim parsing, graph and causal/temporal checks, the verdict."""
