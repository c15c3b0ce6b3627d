"""The Experiments page in a real browser (harness.py): what a new user is told; an
experiment created with a baseline of temperature 1, top_p 1 on the simulator's tuning
surface; its baseline run and shown as the baseline; a configuration tried by hand
(temperature 0.35, top_p 0.8) whose delta says "better" in words and colour; the best run
again; that run pinned as the new baseline; the best saved as a profile (a duplicate name
refused next to its field), then picked for the model on the Tool eval page and run with;
renamed, then deleted. A slow run followed again after leaving the page, from the tray and
from the menu, then cancelled. Profiles added by hand, refused in words, picked on the
Benchmark page, deleted.

    cd Tests/e2e && python -m unittest test_experiments -v
"""
import time
import unittest

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from harness import DashboardCase
from test_keyboard import TAG_VISIBLE

# The tuning surface (docs/simulator.md): tool calling best near temperature 0.35, top_p
# 0.8. On these 16 cases the baseline (temperature 1, top_p 1) scores 0.19 and the optimum
# 1.00, every time (the simulator is seeded by the case).
MODEL = "sim-ttft5-gap1-toolssurface"
SLOW_MODEL = "sim-ttft150-gap1-toolssurface"  # 16 cases × 3 repeats ≈ 8 s: time to leave and come back
CITIES = ["Paris", "London", "Berlin", "Madrid", "Rome", "Vienna", "Prague", "Lisbon", "Dublin", "Oslo", "Warsaw", "Athens",
          "Bern", "Riga", "Sofia", "Helsinki"]
SUITE = {"name": "weather", "description": "Sixteen cities", "system_prompt": "Use the tools when they help.",
         "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city", "parameters": {
             "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
         "cases": [{"id": c.lower(), "prompt": f"Call get_weather for {c}",
                    "expected_calls": [{"name": "get_weather", "arguments": {"city": c}}]} for c in CITIES]}


class ExperimentsTest(DashboardCase):
    # Refusals provoked on purpose (a duplicate profile name, a name left empty is caught
    # before sending): the browser logs each as a failed load.
    expected_console = ["the server responded with a status of 409", "the server responded with a status of 422"]

    # ——— helpers ———
    def click(self, element):
        """Clicks as a user would after scrolling the element into view."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def set_value(self, element, text):
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE)
        if text:
            element.send_keys(text)

    def show(self, selector):
        """Scrolls the part a screenshot is about to the top of the window."""
        self.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'start'})", selector)
        time.sleep(0.1)

    def shots_of(self, name, selector):
        """shots() with the part they are about at the top of the window, at either width."""
        self.show(selector)
        self.shots(name, after_resize=lambda: self.show(selector))

    def assert_labelled(self):
        unlabelled = self.driver.execute_script(
            "return [...document.querySelectorAll('#main input, #main select, #main textarea')]"
            ".filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML)")
        self.assertEqual(unlabelled, [], "controls without a label")

    def assert_keyboard_reaches_everything(self):
        """Tab from the top visits every visible control of the page as it is now (as
        test_keyboard does for each page when empty; here with an experiment open)."""
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
        left = [labels[i] for i in range(len(labels)) if str(i) not in reached]
        self.assertEqual(left, [], "not reachable with Tab")

    def prepared_user(self, model=MODEL):
        """A new user with the tuning model and a suite of 16 cases, on the Experiments page."""
        email = self.new_user("experiments")
        self.studio.add_model(model, email=email)
        suite = self.studio.request("POST", "/api/suites", SUITE, email=email, expect=201)
        self.go("experiments")
        return email, suite["id"]

    def field(self, form, name):
        return self.driver.find_element(By.CSS_SELECTOR, f"#{form} [name='{name}']")

    def timeline_rows(self):
        return [r for r in self.driver.find_elements(By.CSS_SELECTOR, "#exp-timeline tbody tr") if r.text]

    def cell(self, row, label):
        return row.find_element(By.CSS_SELECTOR, f"td[data-label='{label}']")

    def wait_done(self, rows, timeout=30):
        """The run's status says it is done and the timeline has `rows` rows, the last done."""
        WebDriverWait(self.driver, timeout).until(lambda d: d.find_element(By.ID, "exp-run-status").text.startswith("Done")
                                                   and len(self.timeline_rows()) == rows
                                                   and ", running" not in self.timeline_rows()[-1].text)
        self.wait.until(lambda d: d.find_element(By.ID, "exp-run-baseline").is_enabled())

    # ——— the tests ———
    def test_what_a_new_user_is_told(self):
        d = self.driver
        self.new_user("experiments")
        empty = self.css("#exp-empty").text
        self.assertIn("No experiments yet", empty)
        self.assertIn("baseline configuration", empty)
        self.assertIn("Run baseline", empty)
        setup = self.css("#exp-setup").text
        self.assertIn("You have no suites yet", setup)
        self.assertIn("no model that calls tools", setup)
        self.assertFalse(d.find_element(By.ID, "exp-create").is_enabled(), "Create waits for a suite and a model")
        self.assertIn("No profiles yet", self.css("#no-profiles").text)
        self.assert_labelled()
        self.shots("experiments-empty")
        # The simulator's tuning model in one click.
        self.click(d.find_element(By.CSS_SELECTOR, "button[aria-label^=\"Add the simulator's tuning model\"]"))
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#exp-models input[value='sim-openai/{MODEL}']"))
        self.assertIn("calls the right tool most often near temperature 0.35", d.find_element(By.ID, "exp-models").text)
        self.assertNotIn("no model that calls tools", d.find_element(By.ID, "exp-setup").text)

    def test_from_a_baseline_to_a_better_configuration_pinned_and_saved_as_a_profile(self):
        d = self.driver
        email, suite_id = self.prepared_user()
        form = "exp-form"
        # Create: a name left empty is said next to it, before anything is sent.
        self.click(d.find_element(By.ID, "exp-create"))
        slot = d.find_element(By.CSS_SELECTOR, "#exp-form [data-error-for='name']")
        self.wait.until(lambda d: "Give the experiment a name." in slot.text)
        self.assertEqual(d.switch_to.active_element, self.field(form, "name"))
        self.field(form, "name").send_keys("weather tools")
        self.assertTrue(d.find_element(By.CSS_SELECTOR, f"#exp-models input[value='sim-openai/{MODEL}']").is_selected(), "the only model is ticked")
        self.field(form, "baseline.temperature").send_keys("1")
        self.field(form, "baseline.top_p").send_keys("1")
        # A parameter the provider does not take is named before the experiment is created.
        self.click(d.find_element(By.CSS_SELECTOR, "#exp-form details summary"))
        other = self.field(form, "baseline.other")
        other.send_keys('{"top_k": 40}')
        other.send_keys(Keys.TAB)
        self.wait.until(lambda d: "top_k would not be sent" in d.find_element(By.ID, "exp-adjustments").text)
        self.shots_of("experiments-form", "#exp-form")
        self.set_value(other, "")
        other.send_keys(Keys.TAB)
        self.wait.until(lambda d: d.find_element(By.ID, "exp-adjustments").text == "")
        self.click(d.find_element(By.ID, "exp-create"))

        # Opened: its address names it, its title has the focus, the baseline in words.
        self.wait.until(lambda d: "?id=" in d.current_url and d.find_elements(By.ID, "exp-title"))
        self.wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "exp-title")
        self.assertEqual(d.find_element(By.ID, "exp-title").text, "Experiment “weather tools”")
        experiment = self.studio.request("GET", "/api/experiments", email=email)["experiments"][0]
        self.assertEqual(experiment["baseline"], {"temperature": 1, "top_p": 1})
        self.assertIn("temperature 1, top_p 1 — not run yet", d.find_element(By.ID, "exp-baseline-text").text)
        self.assertFalse(d.find_element(By.ID, "exp-run-best").is_enabled(), "nothing has a score yet")
        self.assertIn("run the baseline first", d.find_element(By.ID, "exp-best-about").text)
        self.assertIn("Nothing on the timeline yet", d.find_element(By.ID, "exp-no-timeline").text)
        self.assertIn("weather tools", d.find_element(By.ID, "exp-list").text)
        self.shots("experiments-created")
        self.shots_of("experiments-list", "#exp-list")

        # Run baseline: on the timeline as the baseline, scored.
        self.click(d.find_element(By.ID, "exp-run-baseline"))
        self.wait_done(1)
        row = self.timeline_rows()[0]
        self.assertIn("baseline", self.cell(row, "kind").text)
        self.assertIn("baseline", row.get_attribute("class"))
        self.assertEqual(self.cell(row, "configuration").text, "temperature 1, top_p 1")
        self.assertEqual(self.cell(row, "score").text, "0.19")
        self.assertEqual(self.cell(row, "delta from the baseline").text, "this is the baseline")
        self.assertIn("measured by run 1", d.find_element(By.ID, "exp-baseline-text").text)
        self.assertTrue(d.find_element(By.ID, "exp-run-best").is_enabled())
        self.css("#exp-chart svg circle")

        # Another configuration tried from the page: its delta says better, in words and colour.
        self.set_value(self.field("exp-try", "config.temperature"), "0.35")
        self.set_value(self.field("exp-try", "config.top_p"), "0.8")
        self.click(d.find_element(By.ID, "exp-try-run"))
        self.wait_done(2)
        row = self.timeline_rows()[1]
        self.assertEqual(self.cell(row, "configuration").text, "temperature 0.35, top_p 0.8")
        self.assertEqual(self.cell(row, "score").text, "1.00")
        delta = self.cell(row, "delta from the baseline").find_element(By.CSS_SELECTOR, ".delta")
        self.assertRegex(delta.text, r"^\+0\.81 \(95 % CI \+0\.\d\d to \+\d\.\d\d\): better$")
        self.assertIn("verdict-better", delta.get_attribute("class"))
        self.assertIn("95 % CI", d.find_element(By.ID, "exp-delta-about").text)
        self.assertIn("temperature 0.35, top_p 0.8 — score 1.00", d.find_element(By.ID, "exp-best-text").text)
        timeline = self.studio.request("GET", f"/api/experiments/{experiment['id']}", email=email)["timeline"]
        self.assertEqual(timeline[1]["config"], {"temperature": 0.35, "top_p": 0.8})
        self.shots_of("experiments-better", "#exp-view")

        # Run best: the best configuration again, on the timeline.
        self.click(d.find_element(By.ID, "exp-run-best"))
        self.wait_done(3)
        self.assertEqual(self.cell(self.timeline_rows()[2], "configuration").text, "temperature 0.35, top_p 0.8")
        self.assertIn("better", self.cell(self.timeline_rows()[2], "delta from the baseline").text)
        self.show("#exp-timeline")
        self.shots("experiments-timeline", after_resize=lambda: self.show("#exp-timeline"))
        self.shots_of("experiments-chart", "#exp-chart-box")

        # Pin run 2 as the baseline: run 3 is now compared with it.
        self.click(d.find_element(By.CSS_SELECTOR, "button[aria-label='Pin run 2 as the baseline']"))
        self.wait.until(lambda d: "Run 2 is the baseline now" in d.find_element(By.ID, "exp-saved").text)
        rows = self.timeline_rows()
        self.assertIn("baseline", self.cell(rows[1], "kind").text)
        self.assertNotIn("baseline", self.cell(rows[0], "kind").text)
        self.assertIn("worse", self.cell(rows[0], "delta from the baseline").text)
        self.assertIn("no significant difference", self.cell(rows[2], "delta from the baseline").text)
        self.assertIn("temperature 0.35, top_p 0.8 — measured by run 2", d.find_element(By.ID, "exp-baseline-text").text)
        self.assertEqual(self.studio.request("GET", f"/api/experiments/{experiment['id']}", email=email)["baseline_eval_id"], timeline[1]["id"])
        self.assert_labelled()
        self.shots_of("experiments-pinned", "#exp-view")

        # Save the best as a profile; a second profile of the same name is refused next to its field.
        self.click(d.find_element(By.CSS_SELECTOR, "button[aria-label='Save the best configuration as a profile']"))
        name = self.css("#save-profile input[name=name]")
        self.assertEqual(d.switch_to.active_element, name)
        self.assertIn("temperature 0.35, top_p 0.8", d.find_element(By.ID, "save-profile").text)
        self.set_value(name, "tuned")
        self.shots_of("experiments-save-profile", "#save-profile")
        self.click(d.find_element(By.CSS_SELECTOR, "#save-profile button[type=submit]"))
        self.wait.until(lambda d: "Saved profile “tuned”" in d.find_element(By.ID, "exp-saved").text)
        self.wait.until(lambda d: "tuned" in d.find_element(By.ID, "profiles-list").text)
        listed = d.find_element(By.ID, "profiles-list").text
        self.assertIn("temperature 0.35, top_p 0.8", listed)
        self.assertIn("an experiment", listed)
        self.click(d.find_element(By.CSS_SELECTOR, "button[aria-label='Save run 1 as a profile']"))
        self.set_value(self.css("#save-profile input[name=name]"), "tuned")
        self.click(d.find_element(By.CSS_SELECTOR, "#save-profile button[type=submit]"))
        slot = d.find_element(By.CSS_SELECTOR, "#save-profile [data-error-for='name']")
        self.wait.until(lambda d: "already has a profile with this name" in slot.text)
        self.assertEqual(d.switch_to.active_element.get_attribute("name"), "name")
        self.assertEqual(d.switch_to.active_element.get_attribute("aria-invalid"), "true")
        self.shots_of("experiments-profile-refused", "#save-profile")
        self.click(d.find_element(By.XPATH, "//form[@id='save-profile']//button[text()='Cancel']"))
        self.assertFalse(d.find_elements(By.ID, "save-profile"))
        profiles = self.studio.request("GET", "/api/profiles", email=email)["profiles"]
        self.assertEqual([(p["name"], p["params"], p["source"]) for p in profiles], [("tuned", {"temperature": 0.35, "top_p": 0.8}, "experiment")])

        # A tuning run linked to the experiment: on the timeline with its confirmed best, which can be pinned.
        job = self.studio.request("POST", "/api/tuning", {"suite_id": suite_id, "target": {"provider": "sim-openai", "model": MODEL},
                                  "space": {"temperature": {"values": [1, 0.35]}, "top_p": {"values": [0.8]}}, "strategy": "grid", "trials": 2,
                                  "experiment_id": experiment["id"]}, email=email, expect=202)
        self.studio.wait_job(job["job_id"], email=email)
        self.go(f"experiments?id={experiment['id']}")
        self.wait.until(lambda d: len(self.timeline_rows()) == 4)
        row = self.timeline_rows()[3]
        self.assertEqual(self.cell(row, "kind").text, "tuning run (2 trials)")
        self.assertEqual(self.cell(row, "configuration").text, "best: temperature 0.35, top_p 0.8")
        self.assertIn("a fresh paired run of its best against the baseline", self.cell(row, "delta from the baseline").text)
        self.click(d.find_element(By.CSS_SELECTOR, "button[aria-label='Pin run 4 (its best) as the baseline']"))
        self.wait.until(lambda d: "The best of run 4 is the baseline configuration now" in d.find_element(By.ID, "exp-saved").text)
        self.assertIn("Run 2 ran it", d.find_element(By.ID, "exp-saved").text)
        self.shots_of("experiments-tuning", "#exp-timeline")

        # Rename.
        self.click(d.find_element(By.ID, "exp-rename-button"))
        self.set_value(self.css("#exp-rename input[name=name]"), "weather tools, round 2")
        self.click(d.find_element(By.CSS_SELECTOR, "#exp-rename button[type=submit]"))
        self.wait.until(lambda d: d.find_element(By.ID, "exp-title").text == "Experiment “weather tools, round 2”")
        self.assert_keyboard_reaches_everything()

        # The profile, picked for the model on the Tool eval page, is what the eval runs with.
        self.go("evals")
        self.tick("#eval-models input[name=target]", [MODEL])
        picker = self.css("#eval-models select[name=profile]")
        self.wait.until(lambda d: picker.is_displayed())
        Select(picker).select_by_value("tuned")
        self.assertIn("temperature 0.35, top_p 0.8", d.find_element(By.CSS_SELECTOR, "#eval-models .profile-pick").text)
        self.show("#eval-models")
        self.shots("evals-profile", after_resize=lambda: self.show("#eval-models"))
        self.click(d.find_element(By.XPATH, "//button[text()='Run eval']"))
        self.wait.until(lambda d: "Done" in d.find_element(By.ID, "eval-status").text)
        self.assertIn("1.000", d.find_element(By.ID, "eval-summaries").text, "the profile's configuration scores as run 2 did")
        run = self.studio.request("GET", "/api/evals", email=email)["evals"][0]
        self.assertEqual(run["request"]["targets"], [{"provider": "sim-openai", "model": MODEL, "profile": "tuned"}])

        # Delete, after saying yes: the experiment goes, its evals and the profile stay.
        self.go(f"experiments?id={experiment['id']}")
        d.execute_script("window.confirm = () => true")
        self.click(self.css("#exp-delete"))
        self.wait.until(lambda d: d.find_elements(By.ID, "exp-empty"))
        self.assertEqual(self.studio.request("GET", "/api/experiments", email=email)["experiments"], [])
        self.assertIn("tuned", d.find_element(By.ID, "profiles-list").text)

    def test_a_run_followed_again_after_leaving_then_cancelled(self):
        d = self.driver
        email, suite_id = self.prepared_user(SLOW_MODEL)
        experiment = self.studio.request("POST", "/api/experiments", {"name": "slow", "suite_id": suite_id,
                                          "targets": [{"provider": "sim-openai", "model": SLOW_MODEL}],
                                          "baseline": {"params": {"temperature": 1, "top_p": 1}}}, email=email, expect=201)
        self.go(f"experiments?id={experiment['id']}")
        self.set_value(self.field("exp-run", "repeat"), "3")
        self.click(d.find_element(By.ID, "exp-run-baseline"))
        self.wait.until(lambda d: "case runs done" in d.find_element(By.ID, "exp-run-status").text)
        self.assertTrue(d.find_element(By.ID, "exp-cancel").is_displayed())
        self.assertFalse(d.find_element(By.ID, "exp-run-baseline").is_enabled(), "Run waits while a run goes on")
        self.assertFalse(d.find_element(By.ID, "exp-try-run").is_enabled())
        self.wait.until(lambda d: "running" in self.cell(self.timeline_rows()[0], "kind").text)
        self.shots_of("experiments-running", "#exp-view")

        # Away to History: the tray names it and leads back to the experiment.
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/history']").click()
        self.wait.until(lambda d: "Experiment eval" in d.find_element(By.ID, "jobs").text)
        d.find_element(By.CSS_SELECTOR, "#jobs a").click()
        self.wait.until(lambda d: d.find_elements(By.ID, "exp-run-status") and "case runs done" in d.find_element(By.ID, "exp-run-status").text)
        self.assertTrue(d.find_element(By.ID, "exp-cancel").is_displayed(), "Cancel is there on return")
        # And from the menu, with no experiment named: the one running opens.
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/history']").click()
        self.wait.until(lambda d: "Experiment eval" in d.find_element(By.ID, "jobs").text)
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/experiments']").click()
        self.wait.until(lambda d: d.find_elements(By.ID, "exp-run-status") and "case runs done" in d.find_element(By.ID, "exp-run-status").text)
        self.assertEqual(d.find_element(By.ID, "exp-title").text, "Experiment “slow”")
        self.shots("experiments-reattached")

        self.click(d.find_element(By.ID, "exp-cancel"))
        self.wait.until(lambda d: "Cancelled after" in d.find_element(By.ID, "exp-run-status").text)
        self.wait.until(lambda d: d.find_element(By.ID, "exp-run-baseline").is_enabled())
        self.wait.until(lambda d: "cancelled" in self.cell(self.timeline_rows()[0], "kind").text)
        self.assertFalse(d.find_element(By.ID, "exp-cancel").is_displayed())

    def test_profiles_added_by_hand_picked_on_the_benchmark_page_and_deleted(self):
        d = self.driver
        email = self.new_user("experiments")
        self.studio.add_model(MODEL, email=email)
        self.go("experiments")
        Select(self.css("#profile-model")).select_by_value(f"sim-openai/{MODEL}")
        # Not JSON: said next to the field, nothing sent.
        self.set_value(self.field("profile-form", "name"), "precise")
        self.set_value(self.field("profile-form", "config.temperature"), "0.2")
        self.click(d.find_element(By.CSS_SELECTOR, "#profile-form details summary"))
        self.set_value(self.field("profile-form", "config.other"), "seed: 7")
        self.click(d.find_element(By.XPATH, "//form[@id='profile-form']//button[text()='Save profile']"))
        slot = d.find_element(By.CSS_SELECTOR, "#profile-form [data-error-for='config.other']")
        self.wait.until(lambda d: "not valid JSON" in slot.text)
        self.assertEqual(d.switch_to.active_element, self.field("profile-form", "config.other"))
        self.set_value(self.field("profile-form", "config.other"), '{"seed": 7}')
        self.click(d.find_element(By.XPATH, "//form[@id='profile-form']//button[text()='Save profile']"))
        self.wait.until(lambda d: "precise" in d.find_element(By.ID, "profiles-list").text)
        self.assertIn("seed 7, temperature 0.2", d.find_element(By.ID, "profiles-list").text)
        self.assertIn("added by hand", d.find_element(By.ID, "profiles-list").text)
        self.assertIn("Saved profile “precise”", d.find_element(By.ID, "profile-saved").text)
        # The same name again: refused next to the name.
        self.set_value(self.field("profile-form", "name"), "precise")
        self.click(d.find_element(By.XPATH, "//form[@id='profile-form']//button[text()='Save profile']"))
        slot = d.find_element(By.CSS_SELECTOR, "#profile-form [data-error-for='name']")
        self.wait.until(lambda d: "already has a profile with this name" in slot.text)
        self.show("#profiles")
        self.shots("experiments-profiles", after_resize=lambda: self.show("#profiles"))

        # The Benchmark page: the picker shows while the model is ticked; the run names the profile.
        self.go("benchmark")
        self.tick("input[name=target]", [MODEL])
        picker = self.css("select[name=profile]")
        self.wait.until(lambda d: picker.is_displayed())
        self.tick("input[name=target]", ["sim-steady"])
        self.assertFalse(picker.is_displayed(), "hidden while its model is not ticked")
        self.tick("input[name=target]", [MODEL])
        self.wait.until(lambda d: picker.is_displayed())
        Select(picker).select_by_value("precise")
        self.set_value(d.find_element(By.CSS_SELECTOR, "input[name=runs]"), "1")
        self.set_value(d.find_element(By.CSS_SELECTOR, "input[name=max_tokens]"), "8")
        self.shots("benchmark-profile")
        d.find_element(By.ID, "run").click()
        self.wait.until(lambda d: "Done" in d.find_element(By.ID, "bench-status").text)
        run = self.studio.request("GET", "/api/runs?kind=benchmark", email=email)["runs"][0]
        self.assertEqual(run["request"]["targets"], [{"provider": "sim-openai", "model": MODEL, "profile": "precise"}])

        # Deleted, after saying yes.
        self.go("experiments")
        d.execute_script("window.confirm = () => true")
        self.click(self.css(f"button[aria-label='Delete profile precise of {MODEL}']"))
        self.wait.until(lambda d: d.find_elements(By.ID, "no-profiles"))
        self.assertEqual(self.studio.request("GET", "/api/profiles", email=email)["profiles"], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
