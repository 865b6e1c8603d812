"""Touchpoint on Discord (discord.py): `/touchpoint`, the modal, persistent buttons,
check-mark reactions, and reminders and digests posted by the reminder engine.

Modules: ``client`` (the adapter and its discord.py client), ``commands`` (application
commands), ``handlers`` (interactions -> core -> replies), ``forms`` (the modal),
``buttons`` (persistent ``DynamicItem`` buttons), ``messages`` (editing a message after
a button), ``render`` (replies -> messages within Discord's limits), ``respond``
(answering within 3 s), ``notifier`` (the reminder engine's outbound side).
"""
