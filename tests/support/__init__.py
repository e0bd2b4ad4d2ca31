"""Helpers the tests share: where things are, loopback mirrors, a headless browser, R as a
reference, readable reference forms of the scoring methods, and how a workflow run is driven."""
