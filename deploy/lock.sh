#!/usr/bin/env bash
# Regenerate deploy/requirements.txt: the service's dependencies (extras server, postgres,
# redis), every one pinned with its hashes, for `pip install --require-hashes`. Run it
# after changing the dependencies in pyproject.toml, and commit the result.
#
# The file names no index or registry host (--no-emit-index-url, --no-emit-find-links):
# where packages come from is the installing machine's pip configuration.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$(mktemp -d -t microblog-lock-XXXXXX)"
trap 'rm -rf "${TOOLS}"' EXIT
python3 -m venv "${TOOLS}"
"${TOOLS}/bin/pip" install -q "pip-tools==7.5.1"
cd "${ROOT}"
"${TOOLS}/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
    --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
    --extra server --extra postgres --extra redis \
    --output-file deploy/requirements.txt pyproject.toml
# The extras name the project itself (redis = ["microblog[server]", ...]): that entry is
# this checkout, installed from its source, not a pinned download; take it out.
python3 - deploy/requirements.txt <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
text = re.sub(r"# WARNING: pip install will require.*\n# Consider using a hashable URL.*\n", "", text)
text = re.sub(r"microblog @ file://\S+\n(    # via.*\n)*", "", text)
open(path, "w").write(text)
PY
if grep -nE '(https?|file)://|--(extra-)?index-url|--find-links|--trusted-host' deploy/requirements.txt; then
    echo "deploy/requirements.txt names an index or a host: not committed like this" >&2
    exit 1
fi
