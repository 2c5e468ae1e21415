"""Browser journeys: their fixtures (server, browser, page) come from tests/browser_fixtures.py,
shared with the trust tests; the helpers a journey uses are in journey.py beside this file."""
