#!/usr/bin/env bash
# Print the path of a Python interpreter of the wanted version family.
#   find_python.sh bot      → Python 3.10 (Rasa 3.6 supports 3.8–3.10 only)
#   find_python.sh backend  → Python ≥ 3.11
# Looks on PATH, then under pyenv, then asks uv (installing 3.10 with uv if it can).
set -euo pipefail
want=${1:?usage: find_python.sh bot|backend}

version_ok() {  # $1 = interpreter
  local v
  v=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || return 1
  case $want in
    bot) [[ $v == 3.10 ]] ;;
    backend) [[ ${v%%.*} == 3 && ${v#*.} -ge 11 ]] ;;
  esac
}

candidates=()
if [[ $want == bot ]]; then
  candidates+=(python3.10)
  for d in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10.* /root/.pyenv/versions/3.10.*; do candidates+=("$d/bin/python3.10"); done
else
  candidates+=(python3.13 python3.12 python3.11 python3)
  for d in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[1-9].* /root/.pyenv/versions/3.1[1-9].*; do candidates+=("$d/bin/python3"); done
fi
for c in "${candidates[@]}"; do
  path=$(command -v "$c" 2>/dev/null) || continue
  if version_ok "$path"; then echo "$path"; exit 0; fi
done

if command -v uv >/dev/null 2>&1; then
  spec=$([[ $want == bot ]] && echo 3.10 || echo 3.11)
  path=$(uv python find "$spec" 2>/dev/null || true)
  if [[ -z $path ]]; then
    uv python install "$spec" >&2 && path=$(uv python find "$spec" 2>/dev/null || true)
  fi
  if [[ -n $path ]] && version_ok "$path"; then echo "$path"; exit 0; fi
fi

if [[ $want == bot ]]; then
  echo "找不到 Python 3.10：Rasa 3.6 只支持 Python 3.8–3.10。请安装 Python 3.10（例如 'pyenv install 3.10' 或 'uv python install 3.10'）后重试。" >&2
else
  echo "找不到 Python 3.11 或更新版本（后端需要）。请安装后重试。" >&2
fi
exit 1
