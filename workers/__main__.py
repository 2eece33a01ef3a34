"""`python -m workers [--burst] [queue ...]`: the RQ worker with the portal's app, on REDIS_URL."""
import argparse
import sys

from app import create_app
from workers.queues import QUEUE_NAMES, run_worker


def main(argv=None) -> int:
    """Parse arguments and run the worker until stopped (or until empty with --burst)."""
    parser = argparse.ArgumentParser(prog="python -m workers")
    parser.add_argument("queues", nargs="*", help=f"queues to listen on (default: {' '.join(QUEUE_NAMES)})")
    parser.add_argument("--burst", action="store_true")
    parser.add_argument("--without-scheduler", action="store_true")
    args = parser.parse_args(argv)
    unknown = set(args.queues) - set(QUEUE_NAMES)
    if unknown:
        parser.error(f"unknown queue(s): {', '.join(sorted(unknown))}")
    app = create_app()
    if not app.config.get("REDIS_URL"):
        print("未设置 REDIS_URL：内置队列在 flask serve 进程内运行，无需单独启动 worker", file=sys.stderr)
        return 2
    run_worker(app, tuple(args.queues), burst=args.burst, with_scheduler=not args.without_scheduler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
