"""``python -m microblog_web``: the same as the ``microblog-web`` command."""

from microblog_web.cli import main

main()
