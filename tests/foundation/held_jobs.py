"""Job functions for the reconciler tests: they report their process id, then wait while a hold file exists."""
import os
import time
from pathlib import Path

from workers.context import portal_job


@portal_job
def held_job(ctx, hold_file: str):
    """Run until `hold_file` disappears (or two minutes pass), like a long export a test can kill mid-way."""
    ctx.progress(30, f"pid={os.getpid()}")
    deadline = time.monotonic() + 120
    while Path(hold_file).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return {"message": "完成"}
