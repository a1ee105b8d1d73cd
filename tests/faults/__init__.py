"""Fault injection: ``sim`` commands killed at chosen moments (issue 14)."""
