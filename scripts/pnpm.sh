#!/usr/bin/env bash
# Runs the pinned pnpm: the installed one when its version matches, otherwise
# a copy that npm installs once into .tools/ in the repository (no global
# install, so no root needed). Its folder goes on PATH, because turbo and
# the tests start pnpm by name.
set -euo pipefail
PNPM_VERSION=10.34.9
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

if command -v pnpm >/dev/null && [ "$(pnpm --version)" = "$PNPM_VERSION" ]; then
  exec pnpm "$@"
fi

TOOLS="$ROOT/.tools"
if [ ! -x "$TOOLS/node_modules/.bin/pnpm" ] ||
  [ "$("$TOOLS/node_modules/.bin/pnpm" --version)" != "$PNPM_VERSION" ]; then
  echo "Installing pnpm $PNPM_VERSION into $TOOLS" >&2
  npm install --prefix "$TOOLS" --no-audit --no-fund --silent "pnpm@$PNPM_VERSION" >&2
fi
export PATH="$TOOLS/node_modules/.bin:$PATH"
exec pnpm "$@"
