"""``python -m microblog_server``: the same as the ``microblog-server`` command."""

import sys

from microblog_server.cli import main

sys.exit(main())
