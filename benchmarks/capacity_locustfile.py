"""The 5,000-user mix for benchmarks/capacity.py (locust, headless); sessions come from CAPACITY_SESSIONS.

Most users are grid workers (worklist → household → visit form → one visit in three saved → list); county
officers list and search; a few kiosk sessions; a few community officers start report jobs. Each user clicks
every 25-35 s measured from the start of the previous click (an open model: a slow answer does not slow the
arrivals). Users share a pool of logged-in sessions, as several browser tabs of one account would.
"""
import json
import os
import random
import time
import uuid
from urllib.parse import quote

from locust import FastHttpUser, task

SESSIONS = json.loads(open(os.environ["CAPACITY_SESSIONS"], encoding="utf-8").read())
THINK = (25.0, 35.0)


class Paced(FastHttpUser):
    """A user whose clicks start every 25-35 s whatever the answer time; keeps the cookies the server updates."""

    abstract = True
    kind = ""
    connection_timeout = 60.0
    network_timeout = 60.0

    def wait_time(self):
        return max(0.0, random.uniform(*THINK) - (time.monotonic() - self._started))

    def on_start(self):
        self.session = dict(random.choice(SESSIONS[self.kind]))
        self.step = 0
        self._started = time.monotonic()
        # Spread the first clicks over one think time, as users who are already working would.
        time.sleep(random.uniform(0, THINK[1]))
        self._started = time.monotonic()

    def call(self, method: str, path: str, name: str, **kwargs):
        self._started = time.monotonic()
        headers = {"Cookie": self.session["cookie"], "Accept-Encoding": "gzip", **kwargs.pop("headers", {})}
        with self.client.request(method, path, name=name, headers=headers, allow_redirects=False,
                                 catch_response=True, **kwargs) as response:
            if response.status_code >= 400 or (response.status_code in (301, 302) and "/login" in
                                                 (response.headers.get("Location") or "")):
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")
            cookie = response.headers.get("Set-Cookie") or ""
            if cookie.startswith("portal_session="):  # what a browser keeps: the refreshed activity stamp
                value = cookie.split(";", 1)[0]
                kept = [c for c in self.session["cookie"].split("; ") if not c.startswith("portal_session=")]
                self.session["cookie"] = "; ".join(kept + [value])
        return response


class GridWorker(Paced):
    """网格员: 今日走访 → 一户一档 → 走访表单 → (save one visit in three) → 户档列表, over and over."""

    weight = 80
    kind = "grid"

    @task
    def next_step(self):
        household = random.choice(self.session["households"])
        step = self.step % 4
        self.step += 1
        if step == 0:
            self.call("GET", "/visits/today", "1 今日走访")
        elif step == 1:
            self.call("GET", f"/households/{household}", "2 一户一档")
        elif step == 2:
            if random.random() < 1 / 3:
                form = dict(self.session["visit"], _idem=uuid.uuid4().hex)
                self.call("POST", f"/visits/new/{household}", "3b POST 走访", data=form)
            else:
                self.call("GET", f"/visits/new/{household}", "3a 走访表单")
        else:
            self.call("GET", "/households/", "4 户档列表")


class CountyOfficer(Paced):
    """县级: the county list, a name search (htmx), a household page."""

    weight = 16
    kind = "county"

    @task
    def next_step(self):
        step = self.step % 3
        self.step += 1
        if step == 0:
            self.call("GET", "/households/", "5 县级户档列表")
        elif step == 1:
            query = quote(random.choice(SESSIONS["search"]))
            self.call("GET", f"/households/?q={query}", "6 县级搜索", headers={"HX-Request": "true"})
        else:
            self.call("GET", f"/households/{random.choice(self.session['households'])}", "7 县级一户一档")


class KioskVisitor(Paced):
    """自助终端: the start page and the identification form."""

    weight = 2
    kind = "kiosk"

    @task
    def next_step(self):
        self.step += 1
        if self.step % 2:
            self.call("GET", "/kiosk/", "8 终端首页")
        else:
            self.call("GET", "/kiosk/identify/person", "9 终端身份核验页")


class ReportOfficer(Paced):
    """社区: the report page; one click in four starts a 人口统计 job for the community."""

    weight = 2
    kind = "community"

    @task
    def next_step(self):
        self.step += 1
        if self.step % 4:
            self.call("GET", "/reports/", "10 报表页")
        else:
            form = {"csrf_token": self.session["csrf"], "_idem": uuid.uuid4().hex, "report": "population",
                    "region_id": self.session["region"], "period": "2026-11"}
            self.call("POST", "/reports/", "11 POST 生成报表", data=form)
