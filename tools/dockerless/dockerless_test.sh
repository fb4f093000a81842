#!/usr/bin/env bash
# Runs the dockerless verifier with the arguments BUILD.bazel gives (binary first).
set -euo pipefail
exec "$@"
