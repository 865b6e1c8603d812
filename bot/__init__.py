"""Touchpoint: record customer touchpoints in chat and forget nothing that was said."""

__version__ = "0.1.0"
