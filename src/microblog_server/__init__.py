"""microblog_server: the reference implementation of the microblog REST API v1."""
