"""Tests of the SDK engine: transport, retries, errors, auth, cache, pacing, client."""
