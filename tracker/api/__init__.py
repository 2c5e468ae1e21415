"""The read-only JSON API under /api/v1: personal tokens (issued in tracker.accounts.tokens),
the same permissions as the screens, one route table for the routes and their OpenAPI
description, pagination, filters, ETags, a rate limit per token, every call audited."""

from tracker.api.server import api_routes

__all__ = ["api_routes"]
