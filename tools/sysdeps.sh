#!/usr/bin/env bash
# Install missing Debian packages when root; otherwise say exactly what to install.
set -euo pipefail
missing=()
for pkg in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ! command -v npm >/dev/null 2>&1 && [ ! -f "$(dirname "$0")/../app/static/vendor/htmx.min.js" ]; then
  missing+=(npm)
fi
if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "错误：缺少系统软件包 ${missing[*]}，且本机没有 apt-get，请手工安装。" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "错误：缺少系统软件包 ${missing[*]}。请以 root 运行本命令，或先执行：" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "安装系统软件包：${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
