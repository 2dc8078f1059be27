#!/usr/bin/env bash
# Runs the pinned pnpm: the installed one when its version matches, or the
# same version through npx, so a machine with only Node and npm works.
set -euo pipefail
PNPM_VERSION=10.34.9
if command -v pnpm >/dev/null && [ "$(pnpm --version)" = "$PNPM_VERSION" ]; then
  exec pnpm "$@"
fi
exec npx --yes "pnpm@$PNPM_VERSION" "$@"
