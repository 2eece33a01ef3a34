#!/usr/bin/env bash
# Fetch htmx at a pinned version into app/static/vendor/, verifying the package and file checksums.
set -euo pipefail
VERSION=2.0.11
# sha512 of the package tarball as the npm registry publishes it, and sha256 of the file we serve.
TARBALL_INTEGRITY="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="
FILE_SHA256="d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
DEST="$(cd "$(dirname "$0")/.." && pwd)/app/static/vendor"
TARGET="$DEST/htmx.min.js"

if [ -f "$TARGET" ] && echo "$FILE_SHA256  $TARGET" | sha256sum -c --status; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "错误：需要 npm 来下载 htmx $VERSION（apt-get install npm），或手工放置校验通过的 $TARGET" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && npm pack --silent "htmx.org@$VERSION" >/dev/null 2>"$work/npm.log"); then
  echo "错误：无法从 npm 仓库获取 htmx.org@$VERSION：" >&2
  cat "$work/npm.log" >&2
  exit 1
fi
tarball="$work/htmx.org-$VERSION.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$TARBALL_INTEGRITY" ]; then
  echo "错误：htmx 软件包校验失败（期望 $TARBALL_INTEGRITY，实际 $actual），已拒绝使用" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/dist/htmx.min.js
if ! echo "$FILE_SHA256  $work/package/dist/htmx.min.js" | sha256sum -c --status; then
  echo "错误：htmx.min.js 校验失败，已拒绝使用" >&2
  exit 1
fi
mkdir -p "$DEST"
install -m 0644 "$work/package/dist/htmx.min.js" "$TARGET"
echo "htmx $VERSION 已下载并校验：$TARGET"
