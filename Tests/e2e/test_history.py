"""History: the action in view without scrolling sideways, a run's detail with its settings
and charts, CSV exports, two runs compared in columns named by run, trends of several
models, and an empty state for a new user."""
import os

from selenium.webdriver.common.by import By

from harness import DashboardCase


class HistoryTest(DashboardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        studio = cls.studio
        studio.add_model("sim-ttft50-gap10-tok32")
        cls.runs = []
        for targets, prompt in ([["sim-ttft50-gap10-tok32"], "History test: the first run"],
                                [["sim-ttft50-gap10-tok32", "sim-ttft80-gap10-tok128"], "History test: the second run"]):
            job = studio.request("POST", "/api/benchmarks", {
                "targets": [{"provider": "sim-openai", "model": m} for m in targets], "runs": 3, "max_tokens": 32,
                "prompt": prompt, "params": {"top_p": 0.9}, "warmup": False}, expect=202)
            finished = studio.wait_job(job["job_id"])
            assert finished["state"] == "done", finished
        cls.runs = [r for r in studio.request("GET", "/api/runs?kind=benchmark")["runs"] if (r["request"].get("prompt") or "").startswith("History test")]

    def test_a_run_opens_with_its_settings_charts_and_exports(self):
        d = self.driver
        self.sign_in(page="history")
        self.css("#runs table tbody tr")
        # The action is in view without scrolling sideways (it was off the right edge).
        opener = d.find_element(By.XPATH, "//tr[td[contains(., 'sim-ttft50-gap10-tok32')] and not(td[contains(., 'sim-ttft80')])]//button[text()='Open']")
        self.assertLessEqual(d.execute_script("return arguments[0].getBoundingClientRect().right", opener), d.execute_script("return window.innerWidth"))
        self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"), d.execute_script("return window.innerWidth"))
        opener.click()
        self.wait.until(lambda d: "Aggregates" in d.find_element(By.ID, "run-detail").text)
        settings = d.find_element(By.CSS_SELECTOR, "#run-detail .settings").text
        for expected in ("Runs per model", "3", "Max output tokens", "32", 'top_p 0.9', "Prompt ("):
            self.assertIn(expected, settings)
        self.assertGreaterEqual(len(d.find_elements(By.CSS_SELECTOR, "#run-detail svg rect.bar")), 3)
        d.find_element(By.XPATH, "//button[text()='Export CSV']").click()
        with open(self.downloaded(".csv")) as f:
            lines = f.read().strip().splitlines()
        self.assertTrue(lines[0].startswith("run_id,run_started_at"))
        self.assertEqual(len(lines), 4)
        # Each request of the run, for a join with a server's log.
        d.find_element(By.XPATH, "//button[text()='Export each request (CSV)']").click()
        with open(self.downloaded("-requests.csv")) as f:
            rows = f.read().strip().splitlines()
        self.assertTrue(rows[0].startswith("level,target,request,intended_ms,sent_ms"), rows[0])
        self.assertEqual(len(rows), 4)
        self.shots("history-run")

    def test_two_runs_compare_in_columns_named_by_run(self):
        d = self.driver
        self.sign_in(page="history")
        self.css("#runs table tbody tr")
        for run in self.runs:
            d.find_element(By.CSS_SELECTOR, f"input[value='{run['id']}']").click()
        d.find_element(By.XPATH, "//button[text()='Compare selected (2–4)']").click()
        self.wait.until(lambda d: "Compare 2 runs" in d.find_element(By.ID, "run-detail").text)
        headers = [h.text for h in d.find_elements(By.CSS_SELECTOR, "#run-detail table:first-of-type thead th")]
        self.assertTrue(any("(baseline)" in h for h in headers), headers)
        self.assertFalse(any("#1" in h for h in headers), headers)
        # The model only the second run measured has no figure in the first run's column.
        row = d.find_element(By.XPATH, "(//section[@id='run-detail']//table)[1]//tr[td[contains(., 'sim-ttft80-gap10-tok128')]]")
        self.assertIn("—", row.text)
        self.shots("history-compare")

    def test_trends_show_several_models_each_in_its_colour(self):
        d = self.driver
        self.sign_in(page="history")
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#trends input[name=trend-model]"))
        self.tick("#trends input[name=trend-model]", ["sim-ttft50-gap10-tok32", "sim-ttft80-gap10-tok128"])
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#trends figure:first-of-type polyline")) == 2)
        legend = d.find_element(By.CSS_SELECTOR, "#trends .legend").text
        self.assertIn("sim-ttft50-gap10-tok32", legend)
        self.assertIn("sim-ttft80-gap10-tok128", legend)
        self.css("#leaderboard svg")
        self.shots("history-trends")

    def test_a_new_user_is_told_what_to_do(self):
        d = self.driver
        self.new_user(page="history")
        self.wait.until(lambda d: "No runs yet" in d.find_element(By.ID, "runs").text)
        self.assertIn("Trends appear once", d.find_element(By.ID, "trends").text)
        self.shots("history-empty")
