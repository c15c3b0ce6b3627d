"""What every browser test shares: one `studio serve` (with its built-in simulator) and one
Debian Chromium through Selenium for the whole run, started on first use and stopped at
exit; an API client for arranging data; and `DashboardCase`, whose tests each sign in
afresh, take their screenshots at 1440 and 390 px wide with axe-core run on each, and end
with the console and network checked (no errors, no CSP reports, nothing off the host).

The first account registered is the admin, ada@example.com; tests that need a clean slate
register their own account (`self.new_user()`).
"""
import atexit
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import uuid

import axe_playwright_python  # only for the axe-core script it ships
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STUDIO = os.environ.get("STUDIO_BIN", os.path.join(ROOT, ".build", "debug", "studio"))
SHOTS = os.path.join(ROOT, ".build", "e2e-screenshots")
ADMIN = ("ada@example.com", "long enough pass")
WIDE, PHONE = (1440, 900), (390, 844)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Studio:
    """The server, the browser and the admin's account, once per test run."""
    _shared = None

    @classmethod
    def shared(cls):
        if cls._shared is None:
            cls._shared = Studio()
            atexit.register(cls._shared.stop)
        return cls._shared

    def __init__(self):
        self.work = tempfile.mkdtemp(prefix="studio-e2e-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Each test that needs a clean slate registers an account: more than the default
        # ten an hour from one address (the registration throttle is tested in Swift).
        env = dict(os.environ, HOME=self.work, STUDIO_MASTER_KEY_FILE=os.path.join(self.work, "master.key"),
                   STUDIO_REGISTRATIONS_PER_HOUR="1000")
        env.pop("STUDIO_DATABASE_URL", None)
        self.log = open(os.path.join(self.work, "serve.log"), "w")
        self.server = subprocess.Popen([STUDIO, "serve", "--port", str(self.port), "--data", os.path.join(self.work, "data")],
                                       cwd=self.work, env=env, stdout=self.log, stderr=self.log)
        for _ in range(400):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
        self.downloads = os.path.join(self.work, "downloads")
        os.makedirs(self.downloads)
        os.makedirs(SHOTS, exist_ok=True)
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={WIDE[0]},{WIDE[1]}",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        options.add_experimental_option("prefs", {"download.default_directory": self.downloads, "download.prompt_for_download": False})
        self.driver = webdriver.Chrome(service=Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": self.downloads})
        # The first account is the admin; registering it here makes that independent of test order.
        self.tokens, self.passwords = {}, {}
        self.register(*ADMIN)

    def stop(self):
        try:
            self.driver.quit()
        finally:
            self.server.terminate()
            self.server.wait(10)
            self.log.close()
            # The server's log stays beside the screenshots, for whoever reads a failure.
            shutil.copy(os.path.join(self.work, "serve.log"), os.path.join(SHOTS, "serve.log"))
            shutil.rmtree(self.work, ignore_errors=True)

    # The API, for arranging what a test needs without clicking through other pages.
    def request(self, method, path, body=None, email=ADMIN[0], expect=None):
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(2):
            req = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.tokens[email]}"})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    raw = r.read()
                    status = r.status
            except urllib.error.HTTPError as e:
                raw, status = e.read(), e.code
            # Signing out in the browser ends every access token of the user, this one too.
            if status == 401 and attempt == 0:
                self.login(email)
                continue
            break
        if expect is not None and status != expect:
            raise AssertionError(f"{method} {path} answered {status}: {raw[:500]!r}")
        return json.loads(raw) if raw else None

    def register(self, email, password, action="register"):
        req = urllib.request.Request(self.base + f"/api/auth/{action}", data=json.dumps({"email": email, "password": password}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            self.tokens[email] = json.loads(r.read())["access_token"]
        self.passwords[email] = password

    def login(self, email):
        self.register(email, self.passwords[email], action="login")

    def wait_job(self, job_id, email=ADMIN[0], timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            job = self.request("GET", f"/api/jobs/{job_id}", email=email)
            if job.get("state") not in ("queued", "running"):
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not finish")

    def add_model(self, model, provider="sim-openai", email=ADMIN[0]):
        """A simulator model on the user's sim-openai provider (docs/simulator.md), once."""
        providers = self.request("GET", "/api/providers", email=email)["providers"]
        p = next(p for p in providers if p["slug"] == provider)
        if not any(m["model_id"] == model for m in p["models"]):
            self.request("POST", f"/api/providers/{p['id']}/models", {"model_id": model}, email=email, expect=201)


class DashboardCase(unittest.TestCase):
    """One page or flow in the browser. `expected_console` lists log lines a test provokes on
    purpose (a refused form is logged by the browser as a failed load)."""
    expected_console = []

    @classmethod
    def setUpClass(cls):
        cls.studio = Studio.shared()
        cls.driver = cls.studio.driver
        cls.base = cls.studio.base
        # Pages re-render whole sections as data arrives: an element found a moment ago may
        # be replaced before it is read, so the waits retry on stale elements.
        cls.wait = WebDriverWait(cls.driver, 20, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))

    def setUp(self):
        self.accessibility = []
        self.driver.set_window_size(*WIDE)
        self.driver.get_log("browser")  # what earlier tests left is theirs

    def tearDown(self):
        d = self.driver
        if self._outcome_failed():  # what the page showed, and the browser said, when the test failed
            d.save_screenshot(os.path.join(SHOTS, f"FAILED-{self._testMethodName}.png"))
            with open(os.path.join(SHOTS, f"FAILED-{self._testMethodName}.log"), "w") as f:
                f.write(json.dumps(d.get_log("browser"), indent=1))
        failures = []
        if self.accessibility:
            failures.append("accessibility:\n" + "\n".join(self.accessibility))
        requests = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)") or []
        foreign = [u for u in requests if not u.startswith(self.base)]
        if foreign:
            failures.append(f"requests off the host: {foreign}")
        problems = [e for e in d.get_log("browser")
                    if (e["level"] in ("SEVERE", "WARNING") or "Content Security Policy" in e["message"])
                    and not any(x in e["message"] for x in self.expected_console)]
        if problems:
            failures.append("console: " + json.dumps(problems, indent=1))
        d.set_window_size(*WIDE)
        if failures and not self._outcome_failed():
            self.fail("\n".join(failures))

    def _outcome_failed(self):
        result = getattr(self._outcome, "result", None)
        errors = getattr(result, "errors", []) + getattr(result, "failures", []) if result else []
        return any(test is self for test, _ in errors)

    # Signing in: the API call from inside the page sets the HttpOnly refresh cookie, as the
    # login form does (tests/e2e/test_login.py drives the form itself).
    def sign_in(self, email=ADMIN[0], password=ADMIN[1], page="benchmark"):
        d = self.driver
        self.sign_out()
        self.css("input[name=email]")
        status = d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch('/api/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'}, credentials: 'same-origin',"
            " body: JSON.stringify({email: arguments[0], password: arguments[1]})}).then(r => done(r.status), e => done(String(e)));",
            email, password)
        self.assertEqual(status, 200, f"sign in as {email}")
        d.get("about:blank")  # the app reads the new session on its next start
        self.go(page)

    def sign_out(self):
        """A browser with no session: the refresh cookie (path /api/auth, which Selenium's
        cookie calls do not reach from /) revoked as the Sign out button does."""
        d = self.driver
        if not d.current_url.startswith(self.base):
            d.get(self.base + "/")
        d.execute_async_script("const done = arguments[arguments.length - 1];"
                               "fetch('/api/auth/logout', {method: 'POST', credentials: 'same-origin'}).then(() => done(), () => done());")
        d.get("about:blank")  # a new document: the page's in-memory token goes with the old one
        d.get(self.base + "/#/login")
        self.css("input[name=email]")

    def new_user(self, page="benchmark"):
        email = f"user-{uuid.uuid4().hex[:8]}@example.com"
        self.studio.register(email, "long enough pass")
        self.sign_in(email, "long enough pass", page)
        return email

    def go(self, page):
        """Opens a page afresh (a reload when it is the page already shown)."""
        url = f"{self.base}/#/{page}"
        if self.driver.current_url == url:
            self.driver.refresh()
        else:
            self.driver.get(url)
        self.wait.until(lambda d: d.find_element(By.ID, "main").text and d.find_element(By.ID, "main").text != "Loading…"
                        and not d.find_elements(By.CSS_SELECTOR, "#main input[name=password]") or page == "")

    def css(self, selector, within=None):
        return self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, selector)))

    def xpath(self, path):
        return self.wait.until(EC.presence_of_element_located((By.XPATH, path)))

    def text(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector).text

    def shots(self, name, phone=True, after_resize=None):
        """The page as it is, at 1440 px and then at 390 px wide, each checked by axe-core. The
        page is left at 1440."""
        d = self.driver
        self.shot(f"{name}")
        if phone:
            d.set_window_size(*PHONE)
            time.sleep(0.3)  # charts redraw for the width they are shown at
            if after_resize:
                after_resize()
            self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"), PHONE[0] + 10,
                                 f"{name}: the page scrolls sideways on a phone")
            self.shot(f"{name}-phone")
            d.set_window_size(*WIDE)
            time.sleep(0.2)

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))
        self.axe(name)

    def axe(self, page):
        """axe-core's serious and critical findings on the page as it is now; collected so
        one finding does not hide the next page's, and failed in tearDown."""
        path = os.path.join(os.path.dirname(axe_playwright_python.__file__), "axe.min.js")
        with open(path) as f:
            self.driver.execute_script(f.read())
        result = self.driver.execute_async_script("const done = arguments[arguments.length - 1]; axe.run(document).then(done, (e) => done({error: String(e)}));")
        self.assertNotIn("error", result, result)
        for v in result["violations"]:
            if v.get("impact") in ("serious", "critical"):
                self.accessibility.append(f"{page}: {v['id']} ({v['impact']}): {v['help']} — " + "; ".join(
                    n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:3]))

    def tick(self, selector, wanted):
        """Checks exactly the boxes whose value ends with one of `wanted`."""
        for box in self.driver.find_elements(By.CSS_SELECTOR, selector):
            if box.is_selected() != any(box.get_attribute("value").endswith(w) for w in wanted):
                box.click()

    def downloaded(self, suffix, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [f for f in os.listdir(self.studio.downloads) if f.endswith(suffix)]
            if found:
                return os.path.join(self.studio.downloads, sorted(found)[-1])
            time.sleep(0.1)
        self.fail(f"no {suffix} file was downloaded")
