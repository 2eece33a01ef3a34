#!/usr/bin/env bash
# Run a command with every process's clock moved (libfaketime, relative offset) to the next HH:MM China time.
# Usage: tools/at_china_time.sh 01:30 make test
# A relative offset keeps the processes the command starts (workers, browsers, receivers) on one timeline.
set -euo pipefail
target="$1"; shift
lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1 || true)
if [ -z "$lib" ]; then
  echo "错误：未找到 libfaketime（Debian 软件包 faketime），无法在指定时刻运行。" >&2
  exit 2
fi
offset=$(python3 - "$target" <<'PY'
import sys
from datetime import datetime, timedelta, timezone
china = timezone(timedelta(hours=8))
hour, minute = map(int, sys.argv[1].split(":"))
now = datetime.now(china)
at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
if at <= now:
    at += timedelta(days=1)
print(int((at - now).total_seconds()))
PY
)
echo "== 时钟拨至中国时间 $target（+${offset}s）：$* =="
export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}" FAKETIME="+${offset}" \
       FAKETIME_DONT_RESET=1
exec "$@"
