"""The bot's own HTTP endpoints (calendar feeds, health check), platform-neutral."""
