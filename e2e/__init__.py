"""End-to-end tests: a real Home Assistant, a real browser, what a user clicks."""
