#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter, or explain what to install.
# Honours $PYTHON when set. Tries python3.13/3.12/python3 on PATH (a pyenv shim
# for a version that is not active fails its check and is skipped), then the
# interpreters that pyenv, uv and the system keep under their own folders.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

if [ -n "${PYTHON:-}" ]; then
  if ok "$PYTHON"; then echo "$PYTHON"; exit 0; fi
  echo "error: PYTHON=$PYTHON is not a working Python >= 3.12 (ecosim needs mesa 3.5, which needs 3.12+)." >&2
  exit 1
fi

candidates=()
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for v in 3.12 3.13; do
  for p in $(ls -d "$root"/versions/$v.*/bin/python3 2>/dev/null | sort -V -r); do candidates+=("$p"); done
done
candidates+=(python3.12 python3.13 python3 /usr/bin/python3.12 /usr/bin/python3.13 /usr/local/bin/python3.12 /usr/local/bin/python3.13)
for p in $(ls -d "$HOME"/.local/share/uv/python/cpython-3.1[23]*/bin/python3 2>/dev/null); do candidates+=("$p"); done

for c in "${candidates[@]}"; do
  if ok "$c"; then command -v "$c" 2>/dev/null || echo "$c"; exit 0; fi
done
cat >&2 <<MSG
error: no Python >= 3.12 found (ecosim needs mesa 3.5, which needs Python 3.12 or newer).
Install one, for example:  pyenv install 3.12   or   apt-get install python3.12 python3.12-venv
or point to it explicitly:  make run PYTHON=/path/to/python3.12
MSG
exit 1
