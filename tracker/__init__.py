"""DSI Conference & Roadmap Tracker: the conference's memory (results, sessions, actions, roadmap)."""

__version__ = "0.1.0"
