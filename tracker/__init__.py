"""DSI Conference & Roadmap Tracker: the conference's memory (results, sessions, roadmap)."""

__version__ = "0.1.0"
