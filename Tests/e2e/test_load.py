"""The Load test page: two concurrency levels of one model, each level's report live, the
run kept in History."""
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness import PHONE, WIDE, DashboardCase


class LoadTest(DashboardCase):
    def test_two_levels_report_live_and_land_in_history(self):
        d = self.driver
        self.studio.add_model("sim-ttft50-gap10-tok32")
        self.sign_in(page="load")
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
        self.shots("load")
        self.go("history")
        self.wait.until(lambda d: "load" in d.find_element(By.ID, "runs").text)

    def test_a_long_load_test_is_cancelled_from_its_page(self):
        d = self.driver
        self.sign_in(page="load")
        Select(self.css("select[name=model]")).select_by_value("sim-openai/sim-ttft300-gap25-tok128")
        levels = d.find_element(By.CSS_SELECTOR, "input[name=levels]")
        levels.clear(); levels.send_keys("1")
        count = d.find_element(By.CSS_SELECTOR, "input[name=requests]")
        count.clear(); count.send_keys("40")
        tokens = d.find_element(By.CSS_SELECTOR, "input[name=max_tokens]")
        tokens.clear(); tokens.send_keys("128")
        start = d.find_element(By.XPATH, "//button[text()='Start load test']")
        start.click()
        self.wait.until(lambda d: "Running" in d.find_element(By.ID, "load-status").text)
        self.assertFalse(start.is_enabled(), "Start is disabled while the load test runs")
        # The answer to Cancel held back 2 s, so the job's own "cancelled" event comes first
        # (as it sometimes did by itself): the page must not then write "Cancelling…" over it.
        d.execute_script("""const real = window.fetch;
            window.fetch = (url, init) => String(url).endsWith('/cancel')
              ? real(url, init).then((r) => new Promise((resolve) => setTimeout(() => resolve(r), 2000))) : real(url, init);""")
        d.find_element(By.ID, "load-cancel").click()
        self.wait.until(lambda d: "Cancelled" in d.find_element(By.ID, "load-status").text)
        self.wait.until(lambda d: d.find_element(By.XPATH, "//button[text()='Start load test']").is_enabled())
        time.sleep(2.5)  # past the held-back answer
        self.assertIn("Cancelled", d.find_element(By.ID, "load-status").text)

    def test_the_jobs_tray_never_covers_a_control(self):
        """The tray floats at the bottom of every page. A control scrolled to the bottom edge
        (as Tab does, and as a click from a script does) must stop above it, on a wide screen
        and on a phone; found by a schedule's Create button hidden under a running job."""
        d = self.driver
        email = self.new_user(page="load")
        job = self.studio.request("POST", "/api/loadtests", {
            "provider": "sim-openai", "model": "sim-ttft300-gap25-tok128",
            "concurrency": [1], "requests": 400, "max_tokens": 128}, email=email, expect=202)["job_id"]
        try:
            for page in ("schedules", "benchmark", "evals"):
                for size in (WIDE, PHONE):
                    d.set_window_size(*size)
                    self.go(page)
                    self.wait.until(lambda d: d.find_element(By.ID, "jobs").is_displayed())
                    covered = d.execute_script("""
                        const tray = document.getElementById('jobs');
                        const out = [];
                        for (const b of document.querySelectorAll('#main button, #main input, #main select, #main textarea')) {
                          if (!b.checkVisibility()) continue;  // not shown (hidden, or in a closed details)
                          b.scrollIntoView({ block: 'end' });
                          const r = b.getBoundingClientRect(), t = tray.getBoundingClientRect();
                          if (r.bottom > t.top && r.top < t.bottom && r.right > t.left && r.left < t.right)
                            out.push((b.textContent || b.name || b.type).trim().slice(0, 40));
                        }
                        return out;""")
                    self.assertEqual(covered, [], f"{page} at {size[0]} px: controls under the jobs tray")
            d.set_window_size(*WIDE)
            self.shots("jobs-tray-clear", phone=False)
        finally:
            self.studio.request("POST", f"/api/jobs/{job}/cancel", email=email)
