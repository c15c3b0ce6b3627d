"""The dashboard in a real browser (Debian's Chromium through Selenium) against a real
`studio serve` with its built-in simulator: sign up, add a key and a model, run a
benchmark and watch rows and charts arrive live, history and CSV export, a schedule,
the admin's audit log. The browser console must stay free of errors and CSP violations,
and no request may leave the host. Screenshots go to .build/e2e-screenshots.

    python3 Tests/e2e/test_dashboard.py        (STUDIO_BIN defaults to .build/debug/studio)
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import axe_playwright_python  # only for the axe-core script it ships
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STUDIO = os.environ.get("STUDIO_BIN", os.path.join(ROOT, ".build", "debug", "studio"))
SHOTS = os.path.join(ROOT, ".build", "e2e-screenshots")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="studio-e2e-")
        cls.port = free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        env = dict(os.environ, HOME=cls.work, STUDIO_MASTER_KEY_FILE=os.path.join(cls.work, "master.key"))
        env.pop("STUDIO_DATABASE_URL", None)
        cls.log = open(os.path.join(cls.work, "serve.log"), "w")
        cls.server = subprocess.Popen([STUDIO, "serve", "--port", str(cls.port), "--data", os.path.join(cls.work, "data")],
                                      cwd=cls.work, env=env, stdout=cls.log, stderr=cls.log)
        for _ in range(200):
            try:
                urllib.request.urlopen(cls.base + "/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
        cls.downloads = os.path.join(cls.work, "downloads")
        os.makedirs(cls.downloads)
        os.makedirs(SHOTS, exist_ok=True)
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,900",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        options.add_experimental_option("prefs", {"download.default_directory": cls.downloads, "download.prompt_for_download": False})
        cls.driver = webdriver.Chrome(service=Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
        cls.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": cls.downloads})
        # Pages re-render whole sections as data arrives: an element found a moment ago may
        # be replaced before it is read, so the waits retry on stale elements.
        cls.wait = WebDriverWait(cls.driver, 20, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.server.terminate()
        cls.server.wait(10)
        cls.log.close()
        shutil.rmtree(cls.work, ignore_errors=True)

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))
        self.axe(name)

    def axe(self, page):
        """axe-core's serious and critical findings on the page as it is now; remembered
        for the check at the end, so one page's findings do not hide the next page's."""
        path = os.path.join(os.path.dirname(axe_playwright_python.__file__), "axe.min.js")
        with open(path) as f:
            self.driver.execute_script(f.read())
        result = self.driver.execute_async_script("const done = arguments[arguments.length - 1]; axe.run(document).then(done, (e) => done({error: String(e)}));")
        self.assertNotIn("error", result, result)
        for v in result["violations"]:
            if v.get("impact") in ("serious", "critical"):
                self.accessibility.append(f"{page}: {v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:3]))

    def css(self, selector):
        return self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, selector)))

    def go(self, page):
        self.driver.get(f"{self.base}/#/{page}")
        self.wait.until(lambda d: d.find_element(By.ID, "main").text and d.find_element(By.ID, "main").text != "Loading…")

    def test_the_whole_dashboard(self):
        d = self.driver
        self.accessibility = []
        d.get(self.base + "/")
        email = self.css("input[name=email]")
        first_load = d.execute_script(
            "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
            ".reduce((n, e) => n + (e.decodedBodySize || 0), 0)")
        self.shot("login")
        email.send_keys("ada@example.com")
        d.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys("long enough pass")
        d.find_element(By.CSS_SELECTOR, "button[value=register]").click()
        self.wait.until(lambda d: d.find_element(By.ID, "nav").is_displayed())
        self.css("#bench-title")
        # An empty page says what to do next.
        self.go("history")
        self.wait.until(lambda d: "No runs yet" in d.find_element(By.ID, "runs").text)
        self.go("benchmark")

        # A reload keeps the session (refresh cookie), the token never touches storage.
        d.refresh()
        self.css("#bench-title")
        self.assertEqual(d.execute_script("return localStorage.length + sessionStorage.length"), 0)

        # Providers & keys: a key (masked after saving), a 50 ms-TTFT model on the simulator.
        self.go("providers")
        d.find_element(By.CSS_SELECTOR, "input[name=provider_id]").send_keys("sim-openai")
        d.find_element(By.CSS_SELECTOR, "input[name=api_key]").send_keys("sk-e2e-secret-4321")
        d.find_element(By.XPATH, "//button[text()='Save key']").click()
        self.wait.until(lambda d: "…4321" in d.find_element(By.ID, "main").text)
        self.assertNotIn("sk-e2e-secret", d.find_element(By.ID, "main").text)
        section = d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai']")
        section.find_element(By.CSS_SELECTOR, "input[name=model_id]").send_keys("sim-ttft50-gap10-tok32")
        section.find_element(By.XPATH, ".//button[text()='Add model']").click()
        self.wait.until(lambda d: "sim-ttft50-gap10-tok32" in d.find_element(By.ID, "main").text)
        # Test the connection: the provider's own model list, one click to add one.
        section = d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai']")
        section.find_element(By.XPATH, ".//button[text()='Test connection and list models']").click()
        self.wait.until(lambda d: "Connected:" in d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai'] .discovered").text)
        self.shot("providers-discovery")
        d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai'] button[aria-label='Add sim-steady']").click()
        self.wait.until(lambda d: "sim-steady" in d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai'] table").text)
        # Editing in place: a model's display name and output limit; a provider's default
        # parameters refused in words when they are not JSON.
        d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai'] button[aria-label='Edit sim-steady']").click()
        editing = self.css("form[aria-label='edit model sim-steady']")
        name = editing.find_element(By.CSS_SELECTOR, "input[name=display_name]")
        name.clear(); name.send_keys("Steady (edited)")
        editing.find_element(By.CSS_SELECTOR, "input[name=max_output]").send_keys("2048")
        editing.find_element(By.XPATH, ".//button[text()='Save model']").click()
        self.wait.until(lambda d: "Steady (edited)" in d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai'] table").text)
        d.find_element(By.XPATH, "//button[text()='Edit provider sim-openai']").click()
        editing = self.css("form[aria-label='edit provider sim-openai']")
        params = editing.find_element(By.CSS_SELECTOR, "textarea[name=default_params]")
        params.clear(); params.send_keys("top_p: 0.9")
        editing.find_element(By.XPATH, ".//button[text()='Save provider']").click()
        self.wait.until(lambda d: "must be a JSON object" in d.find_element(By.CSS_SELECTOR, "form[aria-label='edit provider sim-openai'] [data-error-for=form]").text)
        self.shot("providers-edit")
        editing.find_element(By.XPATH, ".//button[text()='Close']").click()
        # A known provider in one step.
        Select(self.css("select[name=preset]")).select_by_value("groq")
        d.find_element(By.XPATH, "//form[@aria-labelledby='preset-title']//button[text()='Add']").click()
        self.css("section[aria-label='provider groq']")
        self.wait.until(lambda d: "preset groq" in d.find_element(By.CSS_SELECTOR, "section[aria-label='provider groq'] .note").text)
        # A refused base URL shows its error next to the field.
        d.find_element(By.CSS_SELECTOR, "input[name=slug]").send_keys("local")
        d.find_element(By.CSS_SELECTOR, "input[name=base_url]").send_keys("http://127.0.0.1:9/v1")
        d.find_element(By.XPATH, "//button[text()='Add provider']").click()
        self.wait.until(lambda d: "loopback" in d.find_element(By.CSS_SELECTOR, "[data-error-for=base_url]").text)
        self.shot("providers")

        # Benchmark: a first-run guide; the simulator's model names explained; only the new
        # model, rows and charts arrive live.
        self.go("benchmark")
        self.assertIn("Getting started", d.find_element(By.ID, "main").text)
        self.assertIn("first token after 50 ms, then one every 10 ms, 32 tokens", d.find_element(By.ID, "main").text)
        for box in d.find_elements(By.CSS_SELECTOR, "input[name=target]"):
            if box.is_selected() != box.get_attribute("value").endswith("sim-ttft50-gap10-tok32"):
                box.click()
        runs = d.find_element(By.CSS_SELECTOR, "input[name=runs]")
        runs.clear(); runs.send_keys("3")
        tokens = d.find_element(By.CSS_SELECTOR, "input[name=max_tokens]")
        tokens.clear(); tokens.send_keys("32")
        temperature = d.find_element(By.CSS_SELECTOR, "input[name=temperature]")
        temperature.clear(); temperature.send_keys("9")
        temperature.send_keys("\t")
        self.wait.until(lambda d: "clamped" in d.find_element(By.CSS_SELECTOR, ".adjustments").text)
        # A prompt to write, or a template to start from.
        prompt = self.css("textarea[name=prompt]")
        self.assertTrue(prompt.get_attribute("value"), "the default prompt is there to edit")
        Select(self.css("select[name=template]")).select_by_value("json")
        self.assertIn("Return only JSON", prompt.get_attribute("value"))
        pressed = time.monotonic()
        d.find_element(By.XPATH, "//button[text()='Run']").click()
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#live-results tbody tr")) >= 1)
        first_row = time.monotonic() - pressed
        self.wait.until(lambda d: "Done" in d.find_element(By.ID, "bench-status").text)
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, "#live-results tbody tr")), 3)
        # One summary line per model above the raw rows.
        summary = d.find_elements(By.CSS_SELECTOR, "#bench-summary tbody tr")
        self.assertEqual(len(summary), 1)
        self.assertIn("3/3", summary[0].text)
        self.assertGreaterEqual(len(d.find_elements(By.CSS_SELECTOR, "#live-charts svg rect.bar")), 2)
        self.shot("benchmark")

        # A job follows the user: a slow benchmark, Run disabled while it runs, the running
        # job in the header on another page, picked up again on return, cancelled there.
        for box in d.find_elements(By.CSS_SELECTOR, "input[name=target]"):
            if box.is_selected() != box.get_attribute("value").endswith("sim-ttft300-gap25-tok128"):
                box.click()
        tokens = d.find_element(By.CSS_SELECTOR, "input[name=max_tokens]")
        tokens.clear(); tokens.send_keys("128")
        self.wait.until(lambda d: d.find_element(By.ID, "run").is_enabled())  # back once the last job is marked finished
        d.find_element(By.ID, "run").click()
        self.wait.until(lambda d: not d.find_element(By.ID, "run").is_enabled())
        self.assertTrue(d.find_element(By.ID, "cancel").is_enabled())
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/history']").click()
        self.wait.until(lambda d: "Benchmark" in d.find_element(By.ID, "jobs").text)
        self.shot("jobs-tray")
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/benchmark']").click()
        self.wait.until(lambda d: "Running" in d.find_element(By.ID, "bench-status").text)
        self.assertFalse(d.find_element(By.ID, "run").is_enabled(), "Run stays disabled on return")
        self.assertTrue(d.find_element(By.ID, "cancel").is_enabled(), "Cancel is there on return")
        d.find_element(By.CSS_SELECTOR, "#jobs button").click()
        self.wait.until(lambda d: "Cancelled" in d.find_element(By.ID, "bench-status").text)
        self.wait.until(lambda d: d.find_element(By.ID, "run").is_enabled())
        self.wait.until(lambda d: not d.find_element(By.ID, "jobs").is_displayed())

        # History: the run, its detail, a CSV export.
        self.go("history")
        self.css("#runs table tbody tr")
        # The action is in view without scrolling sideways (it was off the right edge).
        opener = d.find_element(By.XPATH, "//tr[td[contains(., 'sim-ttft50-gap10-tok32')]]//button[text()='Open']")
        right = d.execute_script("return arguments[0].getBoundingClientRect().right", opener)
        self.assertLessEqual(right, d.execute_script("return window.innerWidth"))
        self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"), d.execute_script("return window.innerWidth"))
        opener.click()
        self.wait.until(lambda d: "Aggregates" in d.find_element(By.ID, "run-detail").text)
        d.find_element(By.XPATH, "//button[text()='Export CSV']").click()
        deadline = time.time() + 10
        while time.time() < deadline and not [f for f in os.listdir(self.downloads) if f.endswith(".csv")]:
            time.sleep(0.1)
        csv_files = [f for f in os.listdir(self.downloads) if f.endswith(".csv")]
        self.assertTrue(csv_files, "the CSV export was downloaded")
        with open(os.path.join(self.downloads, csv_files[0])) as f:
            lines = f.read().strip().splitlines()
        self.assertTrue(lines[0].startswith("run_id,run_started_at"))
        self.assertEqual(len(lines), 4)
        # Each request of the run, for a join with a server's log.
        d.find_element(By.XPATH, "//button[text()='Export each request (CSV)']").click()
        deadline = time.time() + 10
        while time.time() < deadline and not [f for f in os.listdir(self.downloads) if f.endswith("-requests.csv")]:
            time.sleep(0.1)
        request_files = [f for f in os.listdir(self.downloads) if f.endswith("-requests.csv")]
        self.assertTrue(request_files, "the per-request export was downloaded")
        with open(os.path.join(self.downloads, request_files[0])) as f:
            rows = f.read().strip().splitlines()
        self.assertTrue(rows[0].startswith("level,target,request,intended_ms,sent_ms"), rows[0])
        self.assertEqual(len(rows), 4)
        self.css("#leaderboard svg")
        self.shot("history")

        # Load test: two concurrency levels of the 50 ms model, each level's report live.
        self.go("load")
        Select(self.css("select[name=model]")).select_by_value("sim-openai/sim-ttft50-gap10-tok32")
        levels = d.find_element(By.CSS_SELECTOR, "input[name=levels]")
        levels.clear(); levels.send_keys("1,2")
        count = d.find_element(By.CSS_SELECTOR, "input[name=requests]")
        count.clear(); count.send_keys("4")
        d.find_element(By.XPATH, "//button[text()='Start load test']").click()
        self.wait.until(lambda d: "complete" in d.find_element(By.ID, "load-status").text)
        rows = [r for r in d.find_elements(By.CSS_SELECTOR, "#load-levels table tbody tr") if r.text]  # chart tables are hidden
        self.assertEqual([r.text.split()[0] for r in rows], ["c=1", "c=2"])
        self.assertIn("4 / 4", rows[0].text)
        self.css("#load-levels svg rect.bar")
        self.shot("load")
        self.go("history")
        self.wait.until(lambda d: "load" in d.find_element(By.ID, "runs").text)

        # Schedules: a daily one, with its next fire time.
        self.go("schedules")
        d.find_element(By.CSS_SELECTOR, "input[name=name]").send_keys("daily speed check")
        d.find_element(By.CSS_SELECTOR, "input[name=interval_hours]").send_keys("24")
        Select(self.css("select[name=target]")).select_by_index(1)  # a second model with the first
        d.find_element(By.XPATH, "//button[text()='Create schedule']").click()
        self.wait.until(lambda d: "daily speed check" in d.find_element(By.ID, "main").text)
        row = "//tr[td[text()='daily speed check']]"
        self.assertIn(",", d.find_element(By.XPATH, row + "/td[2]").text, "both models")
        d.find_element(By.XPATH, row + "//button[text()='Pause']").click()
        self.wait.until(lambda d: d.find_elements(By.XPATH, row + "//button[text()='Resume']"))
        d.find_element(By.XPATH, row + "//button[text()='Resume']").click()
        self.wait.until(lambda d: d.find_elements(By.XPATH, row + "//button[text()='Pause']"))
        bad = d.find_element(By.CSS_SELECTOR, "input[name=cron]")
        d.find_element(By.CSS_SELECTOR, "input[name=name]").send_keys("bad one")
        bad.send_keys("61 * * * *")
        d.find_element(By.XPATH, "//button[text()='Create schedule']").click()
        self.wait.until(lambda d: "minute" in d.find_element(By.CSS_SELECTOR, "[data-error-for=cron]").text)
        self.shot("schedules")

        # Tool eval: import a small suite file, run it on a tool-calling model, see results.
        self.go("providers")
        section = d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai']")
        section.find_element(By.CSS_SELECTOR, "input[name=model_id]").send_keys("sim-ttft10-gap1-toolscall")
        section.find_element(By.XPATH, ".//button[text()='Add model']").click()
        self.wait.until(lambda d: "sim-ttft10-gap1-toolscall" in d.find_element(By.ID, "main").text)
        # The simulator's judge model (docs/simulator.md), for the judge pages below.
        section = d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai']")
        section.find_element(By.CSS_SELECTOR, "input[name=model_id]").send_keys("sim-judge-ttft10-gap1")
        section.find_element(By.XPATH, ".//button[text()='Add model']").click()
        self.wait.until(lambda d: "sim-judge-ttft10-gap1" in d.find_element(By.ID, "main").text)
        suite_file = os.path.join(self.work, "weather.json")
        with open(suite_file, "w") as f:
            json.dump({"format": "studio-suite/1", "name": "weather",
                       "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
                           "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
                       "cases": [{"id": "paris", "prompt": "Call get_weather for Paris",
                                  "expected_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}]}, f)
        self.go("evals")
        d.find_element(By.CSS_SELECTOR, "input[name=file]").send_keys(suite_file)
        d.find_element(By.XPATH, "//button[text()='Import']").click()
        self.wait.until(lambda d: "weather (1 cases)" in d.find_element(By.CSS_SELECTOR, "select[name=suite_id]").text)
        # BFCL files (questions + possible answers, JSON Lines) import too.
        questions, answers = os.path.join(self.work, "bfcl-q.jsonl"), os.path.join(self.work, "bfcl-a.jsonl")
        with open(questions, "w") as f:
            f.write(json.dumps({"id": "simple_python_0", "question": [[{"role": "user", "content": "Area of a triangle, base 10, height 5?"}]],
                                "function": [{"name": "triangle.area", "parameters": {"type": "dict", "properties": {
                                    "base": {"type": "integer"}, "height": {"type": "integer"}}, "required": ["base", "height"]}}]}) + "\n")
        with open(answers, "w") as f:
            f.write(json.dumps({"id": "simple_python_0", "ground_truth": [{"triangle.area": {"base": [10], "height": [5]}}]}) + "\n")
        Select(d.find_element(By.CSS_SELECTOR, "select[name=format]")).select_by_value("bfcl")
        d.find_element(By.CSS_SELECTOR, "input[name=file]").send_keys(questions)
        d.find_element(By.CSS_SELECTOR, "input[name=answers]").send_keys(answers)
        d.find_element(By.XPATH, "//button[text()='Import']").click()
        self.wait.until(lambda d: "bfcl-q (1 cases)" in d.find_element(By.CSS_SELECTOR, "select[name=suite_id]").text)
        Select(d.find_element(By.CSS_SELECTOR, "select[name=suite_id]")).select_by_visible_text("weather (1 cases)")
        for box in d.find_elements(By.CSS_SELECTOR, "#main input[name=target]"):
            if box.get_attribute("value").endswith("sim-ttft10-gap1-toolscall"):
                box.click()
        d.find_element(By.XPATH, "//button[text()='Run eval']").click()
        self.wait.until(lambda d: "complete" in d.find_element(By.ID, "eval-status").text)
        rows = d.find_elements(By.CSS_SELECTOR, "#eval-results tbody tr")
        self.assertEqual(len(rows), 1)
        self.assertIn('get_weather({"city":"Paris"})', rows[0].text)
        self.css("#eval-summaries svg rect.bar")
        self.shot("evals")

        # Judge: choose the judge model, then an eval judged live as its results arrive.
        self.go("judge")
        Select(self.css("select[name=model]")).select_by_value("sim-openai/sim-judge-ttft10-gap1")
        d.find_element(By.XPATH, "//button[text()='Save judge settings']").click()
        self.wait.until(lambda d: "Judge settings saved" in d.find_element(By.ID, "toast").text)
        self.go("evals")
        Select(self.css("select[name=suite_id]")).select_by_visible_text("weather (1 cases)")
        for box in d.find_elements(By.CSS_SELECTOR, "#main input[name=target]"):
            if box.get_attribute("value").endswith("sim-ttft10-gap1-toolscall"):
                box.click()
        d.find_element(By.CSS_SELECTOR, "input[name=judge]").click()
        d.find_element(By.XPATH, "//button[text()='Run eval']").click()
        self.wait.until(lambda d: "complete" in d.find_element(By.ID, "eval-status").text)
        self.assertIn("pass (5/5)", d.find_element(By.ID, "eval-results").text)
        self.assertIn("judge grade A", d.find_element(By.ID, "eval-summaries").text)
        # Post-eval judging of the first eval, its report, and a pairwise comparison.
        self.go("judge")
        Select(self.css("form[aria-labelledby=judge-run-title] select[name=eval]")).select_by_index(1)
        d.find_element(By.XPATH, "//button[text()='Judge']").click()
        self.wait.until(lambda d: "Report cards" in d.find_element(By.ID, "judge-report").text)
        self.assertIn("post_eval", d.find_element(By.ID, "judge-report").text)
        self.assertIn("pass", d.find_element(By.ID, "judge-report").text)
        self.css("#judge-report svg rect.bar")
        self.shot("judge-report")
        d.find_element(By.XPATH, "//button[text()='Compare']").click()
        self.wait.until(lambda d: "both orders" in d.find_element(By.ID, "judge-report").text)
        self.assertIn("1 ties", d.find_element(By.ID, "judge-report").text)  # equal answers: a tie
        self.shot("judge-compare")
        self.wait.until(lambda d: len(d.find_elements(By.XPATH, "//main//table//button[text()='Delete']")) == 3)
        # The wrong judge model (one that answers prose, not verdicts): the job's headline
        # says every verdict failed and what to do, instead of "done".
        Select(self.css("select[name=model]")).select_by_value("sim-openai/sim-ttft50-gap10-tok32")
        d.find_element(By.XPATH, "//button[text()='Save judge settings']").click()
        self.wait.until(lambda d: "Judge settings saved" in d.find_element(By.ID, "toast").text)
        Select(self.css("form[aria-labelledby=judge-run-title] select[name=eval]")).select_by_index(0)
        d.find_element(By.XPATH, "//button[text()='Judge']").click()
        self.wait.until(lambda d: "failed on every case" in d.find_element(By.ID, "judge-status").text)
        self.assertIn("Judge settings", d.find_element(By.ID, "judge-status").text)
        self.assertEqual(d.find_element(By.ID, "judge-status").get_attribute("role"), "alert")
        self.shot("judge-failed")

        self.go("plugins")
        self.assertIn("openai", d.find_element(By.ID, "main").text)
        # The admin isolates a bundled plugin: it is reloaded in its sandboxed runner.
        row = "//main//tr[td[1][text()='exact-args']]"
        self.wait.until(lambda d: "in-process" in d.find_element(By.XPATH, row).text)
        d.find_element(By.XPATH, row + "//button[text()='Isolate']").click()
        self.wait.until(lambda d: "isolated (" in d.find_element(By.XPATH, row).text)
        self.assertIn("seccomp", d.find_element(By.XPATH, row).text)
        self.shot("plugins")
        d.find_element(By.XPATH, row + "//button[text()='Run in-process']").click()
        self.wait.until(lambda d: "in-process" in d.find_element(By.XPATH, row).text)

        # Account: a CLI token made (shown once, copyable), listed, revoked; my jobs.
        self.go("account")
        d.find_element(By.CSS_SELECTOR, "form[aria-labelledby=tokens-title] input[name=name]").send_keys("laptop")
        d.find_element(By.XPATH, "//button[text()='Create token']").click()
        token = self.css("#new-token").get_attribute("value")
        self.assertTrue(len(token) > 20)
        self.wait.until(lambda d: "laptop" in d.find_element(By.CSS_SELECTOR, "form[aria-labelledby=tokens-title] table").text)
        self.assertIn("Benchmark", d.find_element(By.CSS_SELECTOR, "section[aria-labelledby=my-jobs-title]").text)
        self.shot("account")
        d.execute_script("window.confirm = () => true")
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Revoke the token laptop']").click()
        self.wait.until(lambda d: "No CLI tokens yet" in d.find_element(By.CSS_SELECTOR, "form[aria-labelledby=tokens-title]").text)

        # Admin (the first account): the audit log shows what happened.
        self.go("admin")
        self.wait.until(lambda d: "key.set" in d.find_element(By.ID, "audit").text)
        self.assertIn("schedule.create", d.find_element(By.ID, "audit").text)
        # Jobs name their user by email; a global key set and listed; the plugins rescanned.
        self.assertIn("ada@example.com", d.find_element(By.XPATH, "//h3[text()='Jobs']/following-sibling::div[1]").text)
        Select(self.css("select[name=provider_id]")).select_by_value("sim-openai")
        d.find_element(By.CSS_SELECTOR, "#main input[name=api_key]").send_keys("sk-global-0000-1234")
        d.find_element(By.XPATH, "//button[text()='Set global key']").click()
        self.wait.until(lambda d: "…1234" in d.find_element(By.ID, "main").text)
        d.find_element(By.XPATH, "//button[text()='Rescan plugin folders']").click()
        self.wait.until(lambda d: "Plugins loaded" in d.find_element(By.ID, "toast").text)
        # The user actions stay inside the window (Disable was cut off).
        disable = d.find_element(By.XPATH, "//tr[td[text()='ada@example.com']]//button[text()='Disable']")
        self.assertLessEqual(d.execute_script("return arguments[0].getBoundingClientRect().right", disable), d.execute_script("return window.innerWidth"))
        self.shot("admin")

        # Phone width: no horizontal scrolling of the page itself.
        d.set_window_size(390, 844)
        self.go("benchmark")
        # The menu folds behind one button, which opens it.
        self.assertFalse(d.find_element(By.CSS_SELECTOR, "nav a[href='#/history']").is_displayed())
        d.find_element(By.ID, "menu").click()
        self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "nav a[href='#/history']").is_displayed())
        self.assertEqual(d.find_element(By.ID, "menu").get_attribute("aria-expanded"), "true")
        self.shot("menu-phone")
        d.find_element(By.ID, "menu").click()
        self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"), 400)
        self.shot("benchmark-phone")
        # The Plugins page on a phone: every plugin's mode and the admin's buttons reachable.
        self.go("plugins")
        row = "//main//tr[td[1][text()='exact-args']]"
        self.wait.until(lambda d: "in-process" in d.find_element(By.XPATH, row).text)
        self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"), 400)
        self.shot("plugins-phone")

        # axe-core on every page shot above (at 1440 and 390 px): no serious or critical finding.
        self.assertEqual(self.accessibility, [], "accessibility:\n" + "\n".join(self.accessibility))
        # Nothing left the host; the console is clean (no errors, no CSP reports).
        requests = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        self.assertTrue(all(u.startswith(self.base) for u in requests), [u for u in requests if not u.startswith(self.base)])
        # The two refusals this test provoked on purpose (SSRF 422, bad cron 400) are logged
        # by the browser as failed loads; anything else is a problem.
        expected = ["/api/providers - Failed to load resource: the server responded with a status of 422",
                    "/api/schedules - Failed to load resource: the server responded with a status of 400"]
        problems = [e for e in d.get_log("browser")
                    if (e["level"] in ("SEVERE", "WARNING") or "Content Security Policy" in e["message"])
                    and not any(x in e["message"] for x in expected)]
        self.assertEqual(problems, [], json.dumps(problems, indent=1))
        print(json.dumps({"first_load_bytes": first_load, "first_live_row_seconds": round(first_row, 3)}))


if __name__ == "__main__":
    unittest.main(verbosity=2)
