"""The service's security suite: authorization, tokens, limits, leaks and hostile input."""
