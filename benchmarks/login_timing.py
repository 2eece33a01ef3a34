"""Server time of refused logins: an unknown account must cost what a wrong password for a real one costs.

Usage: .venv/bin/python -m benchmarks.login_timing [REPEAT]   (BENCH_DATABASE_URL for PostgreSQL)
"""
import sys
import uuid

from flask.testing import FlaskClient

from benchmarks.common import dialect, fresh_app, percentiles, print_table, timed
from fixtures.loader import load_demo

REPEAT = int(sys.argv[1]) if len(sys.argv) > 1 else 40
CASES = [("existing account, wrong password", "grid2"), ("unknown account", "nobody-here"),
         ("kiosk account", "kiosk")]


def main() -> None:
    app = fresh_app()
    with app.app_context():
        load_demo()
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 10**6
    app.config["LOGIN_MAX_FAILURES"] = 10**6  # keep the account unlocked so every try does the full work
    rows = []
    for label, username in CASES:
        browser = FlaskClient(app, use_cookies=True)
        page = browser.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]

        def attempt():
            response = browser.post("/login", data={"csrf_token": token, "_idem": uuid.uuid4().hex,
                                                    "username": username, "password": "Wrong#Pass123"})
            assert response.status_code == 422

        attempt()  # warm-up
        p50, p95 = percentiles(timed(attempt, REPEAT))
        rows.append([label, f"{p50:.1f}", f"{p95:.1f}"])
    print(f"{dialect(app)}; {REPEAT} refused logins per case, in-process client")
    print_table(["case", "p50 ms", "p95 ms"], rows)


if __name__ == "__main__":
    main()
