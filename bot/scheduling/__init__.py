"""Periodic entry points (APScheduler) that call the core's reminder use cases."""
