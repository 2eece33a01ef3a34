"""Fixed-window rate limits kept in Redis, so every web process shares one count."""
from flask import current_app

from workers.queues import redis_connection


def count(bucket: str, window_seconds: int) -> int:
    """Count one hit in the bucket (an atomic INCR); the number of hits in the current window."""
    conn = redis_connection(current_app)
    key = f"portal:rl:{bucket}"
    pipe = conn.pipeline()
    pipe.incr(key)
    pipe.expire(key, window_seconds, nx=True)
    hits, _ = pipe.execute()
    return int(hits)


def hit(bucket: str, limit: int, window_seconds: int) -> bool:
    """Count one hit in the bucket; True while the count is within the limit."""
    return count(bucket, window_seconds) <= limit
