"""The Tuning page in a real browser (harness.py): what a new user is told; an estimate in
words; a budget refused next to its field; a run on the simulator's tuning surface whose
trials and convergence chart arrive live, followed again after leaving the page, ending
with the verdict in words; the run kept under Past runs, exported as CSV, opened again; a
second run cancelled, then resumed to its end, then deleted.

    cd Tests/e2e && python -m unittest test_tuning -v
"""
import csv
import os
import time
import unittest

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from harness import DashboardCase
from test_keyboard import TAG_VISIBLE

# The tuning surface (docs/simulator.md): tool calling best near temperature 0.35, top_p
# 0.8. 100 ms a call makes a 12-trial run of 12 cases last about 20 s: long enough to leave
# the page and come back while it runs.
MODEL = "sim-ttft100-gap1-toolssurface"
CITIES = ["Paris", "London", "Berlin", "Madrid", "Rome", "Vienna", "Prague", "Lisbon", "Dublin", "Oslo", "Warsaw", "Athens"]
SUITE = {"name": "weather", "description": "Twelve cities", "system_prompt": "Use the tools when they help.",
         "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city", "parameters": {
             "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
         "cases": [{"id": c.lower(), "prompt": f"Call get_weather for {c}",
                    "expected_calls": [{"name": "get_weather", "arguments": {"city": c}}]} for c in CITIES]}
VERDICTS = ("better than the baseline", "worse than the baseline", "no significant improvement over the baseline")


class TuningTest(DashboardCase):
    # The refused budget and step, provoked on purpose: the browser logs each as a failed load.
    expected_console = ["the server responded with a status of 422", "the server responded with a status of 400"]

    # ——— helpers ———
    def click(self, element):
        """Clicks as a user would after scrolling the element into view."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def set_value(self, element, text):
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE)
        element.send_keys(text)

    def field(self, name):
        return self.driver.find_element(By.CSS_SELECTOR, f"#tune-form [name='{name}']")

    def prepared_user(self):
        """A new user with the tuning model and a suite of 12 cases, on the Tuning page."""
        email = self.new_user("tuning")
        self.studio.add_model(MODEL, email=email)
        self.studio.request("POST", "/api/suites", SUITE, email=email, expect=201)
        self.go("tuning")
        Select(self.css("#tune-model")).select_by_value(f"sim-openai/{MODEL}")
        self.set_value(self.field("trials"), "12")
        return email

    def show(self, selector):
        """Scrolls the part a screenshot is about to the top of the window."""
        self.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'start'})", selector)
        time.sleep(0.1)

    def shots_of(self, name, selector):
        """shots() with the part they are about at the top of the window, at either width."""
        self.show(selector)
        self.shots(name, after_resize=lambda: self.show(selector))

    def trial_rows(self, view="tune"):
        return [r for r in self.driver.find_elements(By.CSS_SELECTOR, f"#{view}-trials tbody tr") if r.text]

    def past_button(self, label):
        return self.css(f"#tune-past button[aria-label='{label}']")

    def assert_labelled(self):
        unlabelled = self.driver.execute_script(
            "return [...document.querySelectorAll('#main input, #main select, #main textarea')]"
            ".filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML)")
        self.assertEqual(unlabelled, [], "controls without a label")

    def assert_keyboard_reaches_everything(self):
        """Tab from the top visits every visible control of the page as it is now (as
        test_keyboard does for each page when empty; here with a run, its charts and the
        list of past runs shown). A radio group is one stop."""
        d = self.driver
        labels = d.execute_script(TAG_VISIBLE)
        d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
        d.find_element(By.TAG_NAME, "body").click()
        reached = set()
        for _ in range(len(labels) + 40):
            ActionChains(d).send_keys(Keys.TAB).perform()
            index = d.execute_script("return document.activeElement && document.activeElement.dataset.kb")
            if index is not None:
                if index in reached and len(reached) == len(labels):
                    break
                reached.add(index)
        radios = d.execute_script("return [...document.querySelectorAll('[data-kb]')].map((e) => e.type === 'radio' ? e.name : null)")
        groups = {radios[int(i)] for i in reached if radios[int(i)]}
        left = [labels[i] for i in range(len(labels)) if str(i) not in reached and not (radios[i] and radios[i] in groups)]
        self.assertEqual(left, [], "not reachable with Tab")

    # ——— the tests ———
    def test_what_a_new_user_is_told(self):
        d = self.driver
        self.new_user("tuning")
        empty = self.css("#tune-empty").text
        self.assertIn("Tune a model: pick a suite and a model", empty)
        self.assertIn("no suites yet", empty)
        self.assertIn("sim-ttft5-gap1-toolssurface", empty)
        self.assertTrue(d.find_element(By.CSS_SELECTOR, "#tune-empty a[href='#/evals']").is_displayed(), "the way to a suite")
        self.assertIn("No tuning runs yet", self.css("#tune-no-runs").text)
        self.assertFalse(d.find_element(By.ID, "tune-start").is_enabled(), "Start waits for a suite and a model")
        # The starting search space: temperature 0–1.5 and top_p 0.5–1, both in steps of 0.05.
        names = [e.get_attribute("value") for e in d.find_elements(By.CSS_SELECTOR, "#tune-form input[name='space.name']")]
        self.assertEqual(names, ["temperature", "top_p"])
        self.assert_labelled()
        self.shots("tuning-empty")
        # The simulator's tuning model in one click.
        self.click(d.find_element(By.CSS_SELECTOR, "button[aria-label^=\"Add the simulator's tuning model\"]"))
        self.wait.until(lambda d: "sim-ttft5-gap1-toolssurface" in d.find_element(By.ID, "tune-model").text)
        self.assertNotIn("no model that calls tools", d.find_element(By.ID, "tune-empty").text)
        self.assertIn("calls the right tool most often near temperature 0.35", d.find_element(By.ID, "tune-model-about").text)

    def test_estimate_refusal_and_a_run_followed_live_and_again_after_leaving(self):
        d = self.driver
        email = self.prepared_user()
        # The estimate, in words: 12 trials of 12 calls and a confirmation of 24; no prices.
        self.click(d.find_element(By.ID, "tune-estimate-button"))
        self.wait.until(lambda d: "At most 168 calls" in d.find_element(By.ID, "tune-estimate").text)
        estimate = d.find_element(By.ID, "tune-estimate").text
        self.assertIn("cost unknown: the model has no prices", estimate)
        self.assertIn("confirming the best against the baseline takes 24", estimate)
        self.assert_labelled()
        self.shots_of("tuning-estimate", "#tune-form .budget")
        # A search-space row added (a known name fills in its usual range) and removed again.
        self.click(d.find_element(By.XPATH, "//button[text()='Add a parameter']"))
        self.assertEqual(d.switch_to.active_element.get_attribute("value"), "top_k")
        rows = d.find_elements(By.CSS_SELECTOR, "#tune-form .space-row")
        self.assertEqual([e.get_attribute("value") for e in rows[2].find_elements(By.CSS_SELECTOR, "input[name='space.min'], input[name='space.max']")], ["1", "100"])
        self.shots_of("tuning-space", ".space-editor")
        self.click(d.find_element(By.CSS_SELECTOR, "button[aria-label='Remove parameter top_k']"))
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, "#tune-form .space-row")), 2)

        # A budget too small for one trial and the confirmation: refused next to its field.
        calls = self.field("budget.max_calls")
        self.set_value(calls, "5")
        self.click(d.find_element(By.ID, "tune-estimate-button"))
        slot = d.find_element(By.CSS_SELECTOR, "#tune-form [data-error-for='budget.max_calls']")
        self.wait.until(lambda d: "Too few calls" in slot.text)
        self.assertIn("Raise “Max calls” to at least 36", slot.text)
        self.assertEqual(calls.get_attribute("aria-invalid"), "true")
        self.assertEqual(d.switch_to.active_element, calls, "the field in question has the focus")
        self.assertIn(slot.get_attribute("id"), calls.get_attribute("aria-describedby"))
        self.assertEqual(d.find_element(By.ID, "tune-estimate").text, "")
        self.shots_of("tuning-refused-budget", "#tune-form .budget")
        # A bad step, found before sending, next to its row's Step field.
        self.set_value(calls, "2000")
        step = d.find_elements(By.CSS_SELECTOR, "#tune-form input[name='space.step']")[0]
        self.set_value(step, "-1")
        self.click(d.find_element(By.ID, "tune-estimate-button"))
        row = d.find_elements(By.CSS_SELECTOR, "#tune-form .space-row")[0]
        self.wait.until(lambda d: "Step: must be above 0." in row.find_element(By.CSS_SELECTOR, "p.error").text)
        self.assertEqual(step.get_attribute("aria-invalid"), "true")
        self.assertEqual(d.find_element(By.CSS_SELECTOR, "#tune-form [data-error-for='budget.max_calls']").text, "", "the old error went")
        self.shots("tuning-refused-step", phone=False)
        self.set_value(step, "0.05")

        # The run: trials fill the table live, the convergence chart draws.
        self.click(d.find_element(By.ID, "tune-start"))
        self.wait.until(lambda d: "of 12" in d.find_element(By.ID, "tune-status").text)
        self.wait.until(lambda d: len(self.trial_rows()) >= 2)
        self.css("#tune-convergence svg polyline")
        self.css("#tune-pareto svg circle")
        self.assertFalse(d.find_element(By.ID, "tune-start").is_enabled(), "Start waits while a run goes on")
        self.assertIn("best so far", d.find_element(By.CSS_SELECTOR, "#tune-trials tr.best").text)
        header = d.find_element(By.CSS_SELECTOR, "#tune-trials thead").text
        for column in ("trial", "temperature", "top_p", "score", "repeats", "cost", "latency", "note"):
            self.assertIn(column, header)
        self.shots_of("tuning-running", "#tune-live")

        # Away to History: the tray says Tuning; back: progress and Cancel again.
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/history']").click()
        self.wait.until(lambda d: "Tuning" in d.find_element(By.ID, "jobs").text)
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/tuning']").click()
        self.wait.until(lambda d: d.find_elements(By.ID, "tune-status") and "of 12" in d.find_element(By.ID, "tune-status").text
                        and "·" in d.find_element(By.ID, "tune-status").text)
        # The run is the first thing on the page, above the form.
        self.assertTrue(d.execute_script("const live = document.getElementById('tune-live');"
                                         "return !live.hidden && live.compareDocumentPosition(document.getElementById('tune-form')) === Node.DOCUMENT_POSITION_FOLLOWING"))
        cancel = d.find_element(By.ID, "tune-cancel")
        self.assertTrue(cancel.is_displayed() and cancel.is_enabled(), "Cancel is there on return")
        self.assertGreaterEqual(len(self.trial_rows()), 1, "the trials so far are shown again")
        self.assertEqual(self.field("trials").get_attribute("value"), "12", "the form shows what the run asked")
        self.assertFalse(d.find_element(By.ID, "tune-start").is_enabled())
        self.shots("tuning-reattached")

        # The end: the verdict in words, why it stopped, what it spent.
        WebDriverWait(d, 120).until(lambda d: d.find_element(By.ID, "tune-headline").is_displayed())
        headline = d.find_element(By.ID, "tune-headline").text
        self.assertTrue(headline.startswith("Best: temperature "), headline)
        self.assertTrue(any(v in headline for v in VERDICTS), headline)
        self.assertIn("95 % CI", headline)
        runs = self.studio.request("GET", "/api/tuning", email=email)["tuning_runs"]
        summary = runs[0]["summary"]
        verdict = summary["confirmation"]["comparison"]["verdict"]
        self.assertIn({"better": "better than", "worse": "worse than"}.get(verdict, "no significant improvement"), headline)
        status = d.find_element(By.ID, "tune-status").text
        self.assertIn("It ran all 12 trials asked for.", status)
        self.assertIn("Spent 168 calls, cost unknown", status)
        self.assertEqual(len(self.trial_rows()), 12)
        self.assertIn("best", d.find_element(By.CSS_SELECTOR, "#tune-trials tr.best").text)
        self.assertEqual(d.find_element(By.CSS_SELECTOR, "#tune-trials tr.best").get_attribute("data-trial"), str(summary["best"]["trial"]))
        self.wait.until(lambda d: d.find_element(By.ID, "tune-start").is_enabled())
        self.assertFalse(d.find_element(By.ID, "tune-cancel").is_displayed())
        self.shots_of("tuning-done", "#tune-live")
        self.shots_of("tuning-done-charts", "#tune-charts")

        # Past runs: listed with its verdict; exported as CSV; opened again.
        self.wait.until(lambda d: "done" in d.find_element(By.ID, "tune-past").text)
        self.assertIn({"better": "better", "worse": "worse"}.get(verdict, "no significant difference"), d.find_element(By.ID, "tune-past").text)
        self.click(self.past_button("Export tuning run 1 as CSV"))
        exported = self.downloaded(f"tuning-run-1-{MODEL}.csv")
        with open(exported) as f:
            rows = list(csv.reader(f))
        os.remove(exported)  # the downloads folder is shared: other tests look for their own .csv
        self.assertEqual(rows[0][:4], ["trial", "temperature", "top_p", "score"])
        self.assertEqual(len(rows), 13)
        self.click(self.past_button("Open tuning run 1"))
        self.wait.until(lambda d: d.find_element(By.ID, "tune-view-headline").text == headline)
        self.assertEqual(len(self.trial_rows("tune-view")), 12)
        self.css("#tune-view-convergence svg polyline")
        self.assertEqual(d.switch_to.active_element.get_attribute("id"), "tune-view-title")
        self.shots_of("tuning-opened", "#tune-view")
        self.assert_keyboard_reaches_everything()
        self.shots_of("tuning-past", "#tune-past")

    def test_a_run_cancelled_then_resumed_to_its_end_then_deleted(self):
        d = self.driver
        email = self.prepared_user()
        self.click(d.find_element(By.ID, "tune-start"))
        self.wait.until(lambda d: len(self.trial_rows()) >= 2)
        # The answer to Cancel held back 1 s, so the job's own "cancelled" event may come
        # first: the page must not write "Cancelling…" over it.
        d.execute_script("""const real = window.fetch;
            window.fetch = (url, init) => String(url).endsWith('/cancel')
              ? real(url, init).then((r) => new Promise((resolve) => setTimeout(() => resolve(r), 1000))) : real(url, init);""")
        self.click(d.find_element(By.ID, "tune-cancel"))
        self.wait.until(lambda d: "Cancelled after" in d.find_element(By.ID, "tune-status").text)
        self.assertIn("Best so far: temperature", d.find_element(By.ID, "tune-headline").text)
        self.wait.until(lambda d: d.find_element(By.ID, "tune-start").is_enabled())
        time.sleep(1.2)  # past the held-back answer
        self.assertIn("Cancelled after", d.find_element(By.ID, "tune-status").text)
        done = len(self.trial_rows())
        self.assertLess(done, 12)
        self.wait.until(lambda d: "cancelled" in d.find_element(By.ID, "tune-past").text)
        self.shots_of("tuning-cancelled", "#tune-live")

        # Resume from Past runs: the trials so far stay, the rest arrive, the verdict follows.
        self.click(self.past_button("Resume tuning run 1"))
        self.wait.until(lambda d: "Resuming after trial" in d.find_element(By.ID, "tune-status").text
                        or "of 12" in d.find_element(By.ID, "tune-status").text)
        self.wait.until(lambda d: len(self.trial_rows()) > done)
        self.assertEqual([r.get_attribute("data-trial") for r in self.trial_rows()][:done], [str(i) for i in range(1, done + 1)],
                         "the earlier trials are shown with the new ones")
        WebDriverWait(d, 120).until(lambda d: d.find_element(By.ID, "tune-headline").is_displayed()
                                    and "Best: temperature" in d.find_element(By.ID, "tune-headline").text)
        self.assertTrue(any(v in d.find_element(By.ID, "tune-headline").text for v in VERDICTS))
        self.assertEqual(len(self.trial_rows()), 12)
        run = self.studio.request("GET", "/api/tuning", email=email)["tuning_runs"][0]
        self.assertEqual(run["status"], "done")
        self.assertEqual(run["summary"]["trials"], 12)
        self.wait.until(lambda d: "done" in d.find_element(By.ID, "tune-past").text)
        self.assertFalse(d.find_elements(By.CSS_SELECTOR, "#tune-past button[aria-label='Resume tuning run 1']"), "a finished run is not resumed")
        self.shots_of("tuning-resumed", "#tune-live")

        # Delete, after saying yes.
        d.execute_script("window.confirm = () => true")
        self.click(self.past_button("Delete tuning run 1"))
        self.wait.until(lambda d: d.find_elements(By.ID, "tune-no-runs"))
        self.assertEqual(self.studio.request("GET", "/api/tuning", email=email)["tuning_runs"], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
