"""Touchpoint on Slack: a Bolt ``AsyncApp`` (see ``app.SlackAdapter``), the reminder
engine's ``SlackNotifier``, and pure Block Kit rendering in ``render``."""
