"""Load scripts against a running service (locust); not collected by pytest."""
