"""Fixed-window rate limits kept in Redis, so every web process shares one count."""
from flask import current_app

from workers.queues import redis_connection


def hit(bucket: str, limit: int, window_seconds: int) -> bool:
    """Count one hit in the bucket; True while the count is within the limit."""
    conn = redis_connection(current_app)
    key = f"portal:rl:{bucket}"
    pipe = conn.pipeline()
    pipe.incr(key)
    pipe.expire(key, window_seconds, nx=True)
    count, _ = pipe.execute()
    return int(count) <= limit
