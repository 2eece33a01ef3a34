"""Capacity under real HTTP load: the production shape (nginx → waitress processes → PostgreSQL + Redis, a worker).

Usage (PostgreSQL and Redis db 5 of the machine; builds the 100k-household scale county when missing):

    .venv/bin/python benchmarks/capacity.py --database-url postgresql://postgres@127.0.0.1:5432/bench_capacity \\
        --redis-url redis://127.0.0.1:6379/5 --processes 1 --threads 16 --seconds 15 --sim-users 5000 --sim-minutes 5

It starts `flask worker`, N waitress processes of the portal and N of a bare Flask hello app with the same settings,
Debian's nginx with `deploy/nginx/portal.conf` in front of each, logs the benchmark accounts in, then
(a) saturates each key page with `wrk` (hello first and last, so each page has the share of hello of this run) and
(b) runs `locust` headless: 5,000 users clicking every 25-35 s (paced from the start of each click, an open model)
in the mix of `capacity_locustfile.py`. Every number is printed with the machine's load average.
"""
import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import http.client
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PORTAL_PORT, HELLO_PORT, FIRST_UPSTREAM = 8180, 8181, 8201
BENCH_PASSWORD = "Bench#Test2026"
SCALE_PASSWORD = "Scale#Test2026"


def loadavg() -> str:
    """The machine's 1/5/15-minute load average."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---------------------------------------------------------------- data and accounts

def prepare(households: int, grid_sessions: int) -> dict:
    """Scale county, benchmark accounts, a kiosk device; returns what the load generators need (ids, names)."""
    from app import create_app
    from app.blueprints.kiosk.services import create_device
    from app.extensions import db
    from app.models.household import Household
    from app.models.person import Person
    from app.models.region import COMMUNITY, GRID, Region
    from app.models.user import User
    from app.security import permissions as P
    from app.security.passwords import hash_password
    from benchmarks.scale_county import ensure_scale_county

    app = create_app()
    with app.app_context():
        county = ensure_scale_county(households)

        def account(username: str, role: str, region_id: int) -> None:
            if db.session.execute(db.select(User.id).where(User.username == username)).first() is None:
                db.session.add(User(username=username, display_name="压测账号", role=role, region_id=region_id,
                                    password_hash=hash_password(BENCH_PASSWORD), must_change_password=False))
        account("bench_county", P.COUNTY_ADMIN, county.id)
        account("bench_ops", P.OPS_SUPERVISOR, county.id)
        account("bench_credit", P.CREDIT_ADMIN, county.id)
        db.session.commit()

        # The busiest grids of the scale county and their grid workers (g<code>, made by the generator).
        grids = db.session.execute(
            db.select(Region.id, Region.code, db.func.count(Household.id).label("n"))
            .join(Household, Household.region_id == Region.id)
            .where(Region.level == GRID, Region.code.startswith(county.code), Household.deleted_at.is_(None))
            .group_by(Region.id, Region.code).order_by(db.text("n DESC")).limit(grid_sessions)).all()
        workers = []
        for region_id, code, count in grids:
            ids = list(db.session.execute(db.select(Household.id).where(
                Household.region_id == region_id, Household.deleted_at.is_(None)).order_by(Household.id)).scalars())
            workers.append({"username": f"g{code}", "households": ids})
        communities = list(db.session.execute(db.select(Region.code).where(
            Region.level == COMMUNITY, Region.code.startswith(county.code)).order_by(Region.code).limit(4)).scalars())
        officers_regions = list(db.session.execute(db.select(Region.id).where(
            Region.code.in_(communities)).order_by(Region.code)).scalars())
        sample = list(db.session.execute(db.select(Person.name).join(Household).where(
            Household.number.startswith("G" + county.code)).order_by(Person.id).limit(3000)).scalars())
        # Two-character prefixes that many people share (a surname + a common given-name character).
        prefixes = sorted({n[:2] for n in sample}, key=lambda p: -sum(1 for n in sample if n.startswith(p)))[:20]
        kiosk_user = db.session.execute(db.select(User).where(User.role == P.KIOSK)).scalars().first()
        credit = db.session.execute(db.select(User).where(User.username == "bench_credit")).scalar_one()
        kiosk_tokens = [create_device(credit, name=f"压测终端{time.time_ns()}", location="大厅",
                                      account_id=kiosk_user.id)[1] for _ in range(2)]  # one-time links
        db.session.remove()
    return {"workers": workers, "community_accounts": [f"c{c}" for c in communities],
            "community_regions": officers_regions, "search": prefixes, "kiosk_tokens": kiosk_tokens}


# ---------------------------------------------------------------- a tiny HTTP client with explicit cookies

class Browser:
    """One logged-in browser: keeps the cookies itself (production cookies are Secure; the bench speaks HTTP)."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": self.cookie_header()}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, dict(response.getheaders()), text

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)

    def csrf(self, path: str) -> str:
        status, _, text = self.request("GET", path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text) or re.search(
            r'"X-CSRFToken":\s*"([^"]+)"', text)
        if not match:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return match.group(1)

    def login(self, username: str, password: str) -> "Browser":
        token = self.csrf("/login")
        status, headers, _ = self.request("POST", "/login", {"csrf_token": token, "_idem": os.urandom(8).hex(),
                                                             "username": username, "password": password})
        if status != 303 or "/login" in headers.get("Location", ""):
            raise RuntimeError(f"login of {username} failed: {status}")
        return self


def visit_form(browser: Browser, household_id: int) -> dict:
    """The visit form's fields as a browser would submit them (常规走访, first checklist item answered)."""
    _, _, text = browser.request("GET", f"/visits/new/{household_id}")
    form = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', text):
        form[name] = value
    for name in re.findall(r'<select[^>]*name="(c\d+)"', text):
        form.setdefault(name, "")
    first = min((k for k in form if re.fullmatch(r"c\d+", k)), key=lambda k: int(k[1:]), default=None)
    if first:
        options = re.findall(rf'<select[^>]*name="{first}".*?</select>', text, re.S)
        values = re.findall(r'<option value="([^"]+)"', options[0]) if options else []
        form[first] = values[0] if values else "正常"
    form.update({"kind": "常规走访", "findings": "压测走访", "participants": "户主"})
    form.pop("_idem", None)
    form.pop("follow_up", None)
    return form


# ---------------------------------------------------------------- processes

class Stack:
    """nginx + waitress processes (portal and hello) + flask worker, stopped in reverse order."""

    def __init__(self, args, env: dict):
        self.args, self.env, self.procs = args, env, []
        self.folder = Path(tempfile.mkdtemp(prefix="portal-capacity-"))

    def waitress(self, target: str, port: int) -> None:
        a = self.args
        cmd = [str(BIN / "waitress-serve"), f"--listen=127.0.0.1:{port}", f"--threads={a.threads}",
               f"--connection-limit={a.connection_limit}", f"--channel-timeout={a.channel_timeout}",
               "--backlog=2048", target]
        log = open(self.folder / f"waitress-{port}.log", "w")
        self.procs.append(subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT))

    def nginx(self) -> None:
        """Two servers from the shipped example: the portal's and the same config pointing at hello."""
        example = (ROOT / "deploy/nginx/portal.conf").read_text()
        blocks = []
        for name, port, first in (("portal", PORTAL_PORT, FIRST_UPSTREAM), ("hello", HELLO_PORT, FIRST_UPSTREAM + 50)):
            servers = "".join(f"    server 127.0.0.1:{first + i} max_fails=0;\n" for i in range(self.args.processes))
            text = re.sub(r"(    server 127\.0\.0\.1:\d+ max_fails=0;\n)+", servers, example)
            text = text.replace("upstream portal", f"upstream {name}").replace("http://portal", f"http://{name}")
            blocks.append(text.replace("listen 80;", f"listen 127.0.0.1:{port} backlog=4096;"))
        conf = self.folder / "nginx.conf"
        conf.write_text(
            "worker_processes auto;\nworker_rlimit_nofile 65536;\npid nginx.pid;\nerror_log error.log warn;\n"
            "events { worker_connections 16384; }\n"
            "http {\n  include /etc/nginx/mime.types;\n  access_log off;\n"
            "  client_body_temp_path tmp; proxy_temp_path tmp; fastcgi_temp_path tmp; uwsgi_temp_path tmp;"
            " scgi_temp_path tmp;\n" + "\n".join(blocks) + "\n}\n")
        (self.folder / "tmp").mkdir()
        self.procs.append(subprocess.Popen(["nginx", "-p", str(self.folder), "-c", str(conf), "-g", "daemon off;"],
                                           stdout=subprocess.DEVNULL, stderr=open(self.folder / "nginx.out", "w")))

    def start(self) -> None:
        log = open(self.folder / "worker.log", "w")
        self.procs.append(subprocess.Popen([str(BIN / "flask"), "--app", "app", "worker"], cwd=ROOT, env=self.env,
                                           stdout=log, stderr=subprocess.STDOUT))
        for i in range(self.args.processes):
            self.waitress("wsgi:app", FIRST_UPSTREAM + i)
            self.waitress("benchmarks.capacity_hello:app", FIRST_UPSTREAM + 50 + i)
        self.nginx()
        for port in (PORTAL_PORT, HELLO_PORT):
            for _ in range(120):
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("GET", "/healthz" if port == PORTAL_PORT else "/")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.5)
            else:
                raise RuntimeError(f"port {port} did not answer; logs in {self.folder}")

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.send_signal(signal.SIGTERM if proc.args[0] != "nginx" else signal.SIGQUIT)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


# ---------------------------------------------------------------- (a) saturation with wrk

def wrk(port: int, paths: list[str], seconds: int, connections: int, cookie: str = "", body: str | None = None,
        hx: bool = False) -> dict:
    """One bounded wrk run on 127.0.0.1; returns req/s, percentiles (ms) and errors."""
    env = dict(os.environ, WRK_PATHS=",".join(paths))
    if body is not None:
        env["WRK_BODY"] = body
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s",
           str(ROOT / "benchmarks/capacity_wrk.lua"), "-H", "Accept-Encoding: gzip"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    if hx:
        cmd += ["-H", "HX-Request: true"]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}"], env=env, capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(figures[k] for k in ("connect", "read", "write", "timeout")) + (
        int(non_2xx.group(1)) if non_2xx else 0)
    return figures


def saturation(args, data: dict) -> None:
    """Each key page at saturation, next to hello in the same run."""
    grid = data["workers"][0]
    hh = grid["households"][:50]
    pages = [
        ("今日走访 (网格员)", "grid", ["/visits/today"], None, False),
        ("户档列表 (网格员)", "grid", ["/households/"], None, False),
        ("一户一档 (网格员)", "grid", [f"/households/{h}" for h in hh], None, False),
        ("走访表单 (网格员)", "grid", [f"/visits/new/{h}" for h in hh], None, False),
        ("POST 走访 (网格员)", "grid", [f"/visits/new/{hh[0]}"], "visit", False),
        ("户档列表 (县级, 10万户)", "county", ["/households/"], None, False),
        ("户档搜索 (县级, 姓名前缀)", "county", [f"/households/?q={urllib.parse.quote(q)}" for q in data["search"]],
         None, True),
        ("工单列表 (运维主管)", "ops", ["/tickets/"], None, False),
        ("自助终端首页", "kiosk", ["/kiosk/"], None, False),
        ("登录页", "anon", ["/login"], None, False),
    ]
    if args.pages:
        pages = [p for p in pages if any(word in p[0] for word in args.pages.split(","))]
    hello = [wrk(HELLO_PORT, ["/"], args.seconds, args.connections)]
    rows = []
    for label, who, paths, body, hx in pages:
        browser = Browser(PORTAL_PORT)  # a fresh login per page: the session's activity stamp stays fresh
        if who == "grid":
            browser.login(grid["username"], SCALE_PASSWORD)
        elif who == "county":
            browser.login("bench_county", BENCH_PASSWORD)
        elif who == "ops":
            browser.login("bench_ops", BENCH_PASSWORD)
        elif who == "kiosk":
            browser.request("GET", f"/kiosk/enroll/{data['kiosk_tokens'][0]}")
        form = None
        if body == "visit":
            form = urllib.parse.urlencode(visit_form(browser, hh[0]))
        figures = wrk(PORTAL_PORT, paths, args.seconds, args.connections, browser.cookie_header(), form, hx)
        rows.append((label, figures, loadavg()))
        print(f"  {label}: {figures['rps']:.0f} req/s, p50 {figures['p50'] / 1000:.0f} ms, "
              f"errors {figures['errors']}, load {rows[-1][2]}", flush=True)
    hello.append(wrk(HELLO_PORT, ["/"], args.seconds, args.connections))
    hello_rps = sum(h["rps"] for h in hello) / len(hello)
    print(f"\n(a) saturation: wrk -t2 -c{args.connections} -d{args.seconds}s, gzip, through nginx; "
          f"{args.processes} waitress process(es) × {args.threads} threads; hello {hello[0]['rps']:.0f} / "
          f"{hello[1]['rps']:.0f} req/s (first / last)\n")
    print("| page | req/s | share of hello | p50 ms | p95 ms | p99 ms | errors | loadavg |")
    print("|---|---|---|---|---|---|---|---|")
    for label, f, load in rows:
        print(f"| {label} | {f['rps']:.0f} | {100 * f['rps'] / hello_rps:.1f}% | {f['p50'] / 1000:.0f} | "
              f"{f['p95'] / 1000:.0f} | {f['p99'] / 1000:.0f} | {f['errors']} | {load} |")
    print(f"| hello (bare Flask) | {hello_rps:.0f} | 100% | {hello[0]['p50'] / 1000:.0f} | "
          f"{hello[0]['p95'] / 1000:.0f} | {hello[0]['p99'] / 1000:.0f} | {hello[0]['errors']} | |")


# ---------------------------------------------------------------- (b) 5,000 users with locust

def simulation(args, data: dict) -> None:
    """Log the session pool in, run locust headless, print p50/p95/p99 per step and the load average."""
    sessions = {"grid": [], "county": [], "community": [], "kiosk": []}
    # The cookie is read last: the first form a session renders stores its CSRF secret in the cookie.
    for worker in data["workers"]:
        browser = Browser(PORTAL_PORT).login(worker["username"], SCALE_PASSWORD)
        visit = visit_form(browser, worker["households"][0])
        sessions["grid"].append({"visit": visit, "households": worker["households"][:80],
                                 "cookie": browser.cookie_header()})
    for _ in range(2):
        browser = Browser(PORTAL_PORT).login("bench_county", BENCH_PASSWORD)
        sessions["county"].append({"cookie": browser.cookie_header(),
                                   "households": data["workers"][0]["households"][:40]})
    for username, region_id in zip(data["community_accounts"], data["community_regions"]):
        browser = Browser(PORTAL_PORT).login(username, SCALE_PASSWORD)
        token = browser.csrf("/reports/")
        sessions["community"].append({"csrf": token, "region": region_id, "cookie": browser.cookie_header()})
    browser = Browser(PORTAL_PORT)
    browser.request("GET", f"/kiosk/enroll/{data['kiosk_tokens'][1]}")
    sessions["kiosk"].append({"cookie": browser.cookie_header()})
    sessions["search"] = data["search"]
    pool = Path(tempfile.mkdtemp(prefix="capacity-locust-"))
    (pool / "sessions.json").write_text(json.dumps(sessions, ensure_ascii=False))
    spawn = max(1, args.sim_users // args.sim_ramp)
    run_time = args.sim_ramp + args.sim_minutes * 60
    cmd = [str(BIN / "locust"), "-f", str(ROOT / "benchmarks/capacity_locustfile.py"), "--headless",
           "-u", str(args.sim_users), "-r", str(spawn), "--run-time", f"{int(run_time)}s", "--reset-stats",
           "--host", f"http://127.0.0.1:{PORTAL_PORT}", "--csv", str(pool / "sim"), "--only-summary",
           "--stop-timeout", "10", "--loglevel", "WARNING"]
    print(f"\n(b) simulation: {args.sim_users} users, ramp {args.sim_ramp}s, then {args.sim_minutes} min measured; "
          f"{' '.join(cmd[1:])}", flush=True)
    loads = []
    proc = subprocess.Popen(cmd, env=dict(os.environ, CAPACITY_SESSIONS=str(pool / "sessions.json")),
                            stdout=open(pool / "locust.out", "w"), stderr=subprocess.STDOUT)
    while proc.poll() is None:
        time.sleep(30)
        loads.append(loadavg())
    stats = (pool / "sim_stats.csv").read_text().splitlines()
    header = stats[0].split(",")
    print("\n| step | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for line in stats[1:]:
        cells = dict(zip(header, next(__import__("csv").reader([line]))))
        print(f"| {cells['Name'] or cells['Type']} | {cells['Request Count']} | {cells['Failure Count']} | "
              f"{float(cells['Requests/s']):.1f} | {cells['50%']} | {cells['95%']} | {cells['99%']} | "
              f"{float(cells['Max Response Time']):.0f} |")
    failures = (pool / "sim_failures.csv").read_text().strip().splitlines()[1:]
    for line in failures[:10]:
        print("  failure:", line)
    print(f"\nloadavg every 30 s during the simulation: {'; '.join(loads)}")
    print(f"locust output and CSVs: {pool}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_capacity"))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--instance", default=str(Path(tempfile.gettempdir()) / "portal-capacity"))
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--connection-limit", type=int, default=200)
    parser.add_argument("--channel-timeout", type=int, default=60)
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--pages", default="", help="comma-separated words; only pages whose label has one")
    parser.add_argument("--grid-sessions", type=int, default=40)
    parser.add_argument("--sim-users", type=int, default=5000)
    parser.add_argument("--sim-ramp", type=int, default=100, help="seconds to start every user")
    parser.add_argument("--sim-minutes", type=float, default=5)
    parser.add_argument("--skip-saturation", action="store_true")
    parser.add_argument("--skip-simulation", action="store_true")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install -y {tool}")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(65536, hard), hard))

    from app.config import load_or_create_secret
    instance = Path(args.instance)
    env = dict(os.environ, DATABASE_URL=args.database_url, REDIS_URL=args.redis_url, PORTAL_INSTANCE_DIR=str(instance),
               PORTAL_ENV="production", SECRET_KEY=load_or_create_secret(instance),
               PORTAL_PII_KEY=load_or_create_secret(instance, "pii_key"), PYTHONPATH=str(ROOT),
               PORTAL_FILES_DIR=str(instance / "files"), PORTAL_PROXY_HOPS="1",
               PORTAL_PUBLIC_URL=f"http://127.0.0.1:{PORTAL_PORT}")
    os.environ.update(env)
    print(f"preparing the scale county ({args.households} households) on {args.database_url.split('@')[-1]} ...",
          flush=True)
    data = prepare(args.households, args.grid_sessions)
    print(f"grid worker {data['workers'][0]['username']}: {len(data['workers'][0]['households'])} households; "
          f"search prefixes {', '.join(data['search'][:5])}; loadavg before start {loadavg()}", flush=True)
    stack = Stack(args, env)
    try:
        stack.start()
        if not args.skip_saturation:
            saturation(args, data)
        if not args.skip_simulation:
            simulation(args, data)
    finally:
        stack.stop()
        print(f"logs: {stack.folder}")


if __name__ == "__main__":
    main()
