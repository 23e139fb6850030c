"""Claim-tracking source monitor."""

__version__ = "0.1.0"
