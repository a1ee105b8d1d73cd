"""Agent-based scenario simulator for regional growth and investment phasing."""

__version__ = "0.1.0"
