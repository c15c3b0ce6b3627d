"""Schedules: a daily schedule of two models, paused and resumed; a bad cron refused next to
the cron field; every field of a schedule edited in place (and a cancelled edit, and a refused
save, that change nothing stored); a tool-eval schedule on a suite; the empty state.
Each test works as a new user, so the table holds only its own schedules."""
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness import DashboardCase

FAST, OTHER, TOOLS = "sim-ttft10-gap1-tok16", "sim-ttft20-gap1-tok16", "sim-ttft10-gap1-toolscall"
REFUSED = "Failed to load resource: the server responded with a status of"


class SchedulesTest(DashboardCase):
    def setUp(self):
        super().setUp()
        self.expected_console = []

    # Helpers -------------------------------------------------------------------------------
    def user_with_models(self, *models, page="schedules"):
        email = self.new_user(page="benchmark")
        for m in models:
            self.studio.add_model(m, email=email)
        self.go(page)
        if page == "schedules":
            self.css("#schedules-title")
        return email

    def reload(self):
        """The schedules page afresh, as a reload shows it (going to the page already shown does
        not render it again, and going elsewhere and back can race: app.js lets whichever page
        finishes loading last win)."""
        self.driver.refresh()
        self.css("#schedules-title")

    def api(self, method, path, body=None, expect=200):
        return self.studio.request(method, path, body, email=self.email, expect=expect)

    def schedules(self):
        return self.api("GET", "/api/schedules")["schedules"]

    def new_form(self):
        """The form for a new schedule, opened with "New schedule" when the list hides it."""
        form = self.css("#new-schedule")
        if not form.is_displayed():
            self.xpath("//main//button[text()='New schedule']").click()
            self.assertEqual(self.driver.switch_to.active_element.get_attribute("name"), "name")
        return form

    def editor(self):
        return self.css("tr.schedule-editor form")

    def row(self, name):
        return self.xpath(f"//tr[td[1][text()='{name}']]")

    def button(self, label):
        return self.css(f"button[aria-label='{label}']")

    def fill(self, form, name, value):
        box = form.find_element(By.CSS_SELECTOR, f"[name={name}]")
        box.clear()
        box.send_keys(value)

    def tick(self, form, wanted):
        for box in form.find_elements(By.CSS_SELECTOR, "input[name=targets]"):
            if box.is_selected() != any(box.get_attribute("value").endswith("/" + w) for w in wanted):
                box.click()

    def error(self, form, name):
        return form.find_element(By.CSS_SELECTOR, f"[data-error-for='{name}']").text

    def actions_fit_on_a_phone(self):
        """At 390 px every row's buttons are inside the window (the table stacks)."""
        width = self.driver.execute_script("return window.innerWidth")
        for b in self.driver.find_elements(By.CSS_SELECTOR, "#main tr:not(.editor) .actions button"):
            rect = b.rect
            self.assertTrue(b.is_displayed(), b.get_attribute("aria-label"))
            self.assertLessEqual(rect["x"] + rect["width"], width, b.get_attribute("aria-label"))

    # Tests ---------------------------------------------------------------------------------
    def test_a_daily_schedule_of_two_models_paused_resumed_and_a_bad_cron_refused(self):
        d = self.driver
        self.email = self.user_with_models(FAST, OTHER)
        form = self.new_form()
        self.fill(form, "name", "daily speed check")
        # Every 24 hours is what a new form offers; two models.
        self.assertEqual(form.find_element(By.CSS_SELECTOR, "input[name=interval_hours]").get_attribute("value"), "24")
        self.assertFalse(form.find_element(By.CSS_SELECTOR, "input[name=cron]").is_displayed(), "cron hidden while 'Every N hours' is chosen")
        self.tick(form, [FAST, OTHER])
        form.find_element(By.XPATH, ".//button[text()='Create schedule']").click()
        row = self.row("daily speed check")
        self.assertIn(FAST, row.text)
        self.assertIn(OTHER, row.text)
        self.assertIn("every 24 hours", row.text)
        # The form folds away behind "New schedule"; the new row's Edit button has the focus.
        self.assertFalse(self.css("#new-schedule").is_displayed())
        self.assertEqual(d.switch_to.active_element.get_attribute("aria-label"), "Edit daily speed check")
        self.assertIn("created", self.text("#schedules-status"))
        [stored] = self.schedules()
        self.assertEqual((stored["kind"], stored["interval_hours"], stored["cron"], stored["enabled"]), ("benchmark", 24, None, True))
        self.assertEqual(sorted(t["model"] for t in stored["request"]["targets"]), sorted([FAST, OTHER]))
        self.shots("schedules-created", after_resize=self.actions_fit_on_a_phone)

        # Pause keeps it (not firing); Resume brings it back.
        self.button("Pause daily speed check").click()
        self.button("Resume daily speed check")
        self.assertFalse(self.schedules()[0]["enabled"])
        self.assertEqual(self.row("daily speed check").find_element(By.CSS_SELECTOR, "td[data-label='next run']").text, "paused")
        self.button("Resume daily speed check").click()
        self.button("Pause daily speed check")
        self.assertTrue(self.schedules()[0]["enabled"])

        # Run now: a job starts; Past runs lists it once it has run.
        self.button("Run daily speed check now").click()
        self.wait.until(lambda d: "started" in self.text("#schedules-status"))
        [firing] = self.api("GET", f"/api/schedules/{stored['id']}/firings")["firings"]
        self.studio.wait_job(firing["job_id"], email=self.email)
        self.button("Past runs of daily speed check").click()
        self.wait.until(lambda d: "done" in self.text("#schedule-firings"))
        self.assertIn("ok", self.text("#schedule-firings"))

        # Cron chosen but left empty: said in words before anything is sent (never the API's
        # "give either interval_hours or cron, not both").
        form = self.new_form()
        self.fill(form, "name", "bad one")
        form.find_element(By.CSS_SELECTOR, "input[name=mode][value=cron]").click()
        self.assertFalse(form.find_element(By.CSS_SELECTOR, "input[name=interval_hours]").is_displayed())
        form.find_element(By.XPATH, ".//button[text()='Create schedule']").click()
        self.wait.until(lambda d: "cron expression" in self.error(form, "cron"))
        self.assertNotIn("not both", d.find_element(By.ID, "main").text)
        # A bad expression: the API's reason, next to the cron field; nothing stored.
        self.expected_console = [f"/api/schedules - {REFUSED} 400"]
        self.fill(form, "cron", "61 * * * *")
        form.find_element(By.XPATH, ".//button[text()='Create schedule']").click()
        self.wait.until(lambda d: "61" in self.error(form, "cron"))
        self.assertIn("minute", self.error(form, "cron").lower())
        self.assertEqual(d.switch_to.active_element.get_attribute("name"), "cron")
        self.assertEqual(len(self.schedules()), 1)
        cron = form.find_element(By.CSS_SELECTOR, "input[name=cron]")
        self.shots("schedules-bad-cron", after_resize=lambda: d.execute_script("arguments[0].scrollIntoView({block: 'center'})", cron))

    def test_edit_every_field_in_place_cancel_and_a_refused_save(self):
        d = self.driver
        self.email = self.user_with_models(FAST, OTHER, page="benchmark")
        created = self.api("POST", "/api/schedules", {
            "name": "daily speed check", "kind": "benchmark", "interval_hours": 24, "time_zone": "UTC",
            "request": {"targets": [{"provider": "sim-openai", "model": FAST}], "runs": 2, "max_tokens": 64,
                        "prompt": "Say hi.", "temperature": 0.3}}, expect=201)
        self.go("schedules")
        self.css("#schedules-title")
        self.button("Edit daily speed check").click()
        form = self.editor()
        # Prefilled from the stored schedule, the cursor in its first field.
        value = lambda name: form.find_element(By.CSS_SELECTOR, f"[name={name}]").get_attribute("value")
        self.assertEqual(d.switch_to.active_element.get_attribute("name"), "name")
        self.assertEqual(value("name"), "daily speed check")
        self.assertEqual(value("runs"), "2")
        self.assertEqual(value("max_tokens"), "64")
        self.assertEqual(form.find_element(By.CSS_SELECTOR, "textarea[name=prompt]").get_property("value"), "Say hi.")
        self.assertEqual(value("interval_hours"), "24")
        self.assertTrue(form.find_element(By.CSS_SELECTOR, "input[name=mode][value=interval]").is_selected())
        self.assertTrue(form.find_element(By.CSS_SELECTOR, "input[name=enabled]").is_selected())
        ticked = [b.get_attribute("value") for b in form.find_elements(By.CSS_SELECTOR, "input[name=targets]") if b.is_selected()]
        self.assertEqual(ticked, [f"sim-openai/{FAST}"])
        self.assertEqual(self.button("Edit daily speed check").get_attribute("aria-expanded"), "true")
        self.shots("schedules-edit", after_resize=self.actions_fit_on_a_phone)

        # Cancel: the form closes, nothing changes.
        self.fill(form, "name", "not saved")
        form.find_element(By.XPATH, ".//button[text()='Cancel']").click()
        self.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "tr.schedule-editor"))
        self.assertEqual(self.schedules()[0]["name"], "daily speed check")
        self.assertEqual(d.switch_to.active_element.get_attribute("aria-label"), "Edit daily speed check")

        # Rename, other model, max tokens, prompt, a cron in Paris, paused.
        self.button("Edit daily speed check").click()
        form = self.editor()
        self.fill(form, "name", "nightly speed check")
        self.tick(form, [OTHER])
        self.fill(form, "max_tokens", "128")
        self.fill(form, "prompt", "Count to ten.")
        form.find_element(By.CSS_SELECTOR, "input[name=mode][value=cron]").click()
        self.fill(form, "cron", "30 2 * * *")
        self.fill(form, "time_zone", "Europe/Paris")
        form.find_element(By.CSS_SELECTOR, "input[name=enabled]").click()
        form.find_element(By.XPATH, ".//button[text()='Save changes']").click()
        row = self.row("nightly speed check")
        self.assertFalse(d.find_elements(By.CSS_SELECTOR, "tr.schedule-editor"))
        self.assertIn("30 2 * * * (Europe/Paris)", row.text)
        self.assertIn(OTHER, row.text)
        self.assertNotIn(FAST, row.text)
        [stored] = self.schedules()
        self.assertEqual(stored["id"], created["id"])
        self.assertEqual((stored["name"], stored["cron"], stored["time_zone"], stored["interval_hours"], stored["enabled"]),
                         ("nightly speed check", "30 2 * * *", "Europe/Paris", None, False))
        self.assertEqual([t["model"] for t in stored["request"]["targets"]], [OTHER])
        self.assertEqual((stored["request"]["max_tokens"], stored["request"]["prompt"], stored["request"]["runs"]), (128, "Count to ten.", 2))
        self.assertEqual(stored["request"]["temperature"], 0.3, "what the form does not show is kept")

        # A refused save (a model deleted meanwhile): said next to Models, the form keeps what
        # was typed, and the stored schedule is as it was.
        gone = "sim-ttft30-gap1-tok16"
        self.studio.add_model(gone, email=self.email)
        self.reload()
        self.button("Edit nightly speed check").click()
        form = self.editor()
        self.tick(form, [OTHER, gone])
        self.fill(form, "name", "renamed but refused")
        provider = next(p for p in self.api("GET", "/api/providers")["providers"] if p["slug"] == "sim-openai")
        model = next(m for m in provider["models"] if m["model_id"] == gone)
        self.api("DELETE", f"/api/models/{model['id']}", expect=204)
        self.expected_console = [f"/api/schedules/{created['id']} - {REFUSED} 422"]
        form.find_element(By.XPATH, ".//button[text()='Save changes']").click()
        self.wait.until(lambda d: gone in self.error(form, "targets"))
        self.assertIn("no model", self.error(form, "targets"))
        self.assertEqual(form.find_element(By.CSS_SELECTOR, "[name=name]").get_attribute("value"), "renamed but refused")
        self.assertEqual(self.schedules(), [stored])
        # An empty name: said next to the Name field.
        self.tick(form, [OTHER])
        form.find_element(By.CSS_SELECTOR, "[name=name]").clear()
        form.find_element(By.XPATH, ".//button[text()='Save changes']").click()
        self.wait.until(lambda d: "name" in self.error(form, "name"))
        self.assertEqual(d.switch_to.active_element.get_attribute("name"), "name")
        self.assertEqual(self.error(form, "targets"), "")
        self.assertEqual(self.schedules(), [stored])
        self.shots("schedules-edit-refused", after_resize=lambda: d.execute_script(
            "arguments[0].scrollIntoView({block: 'start'})", form.find_element(By.CSS_SELECTOR, "[name=name]")))

    def test_a_tool_eval_schedule_on_a_suite(self):
        d = self.driver
        self.email = self.user_with_models(FAST, TOOLS, page="benchmark")
        suite = self.api("POST", "/api/suites", {
            "name": "weather", "system_prompt": "Use the tools when they help.",
            "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                                        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
            "cases": [{"id": "paris", "prompt": "What is the weather in Paris?",
                       "expected_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}]}, expect=201)
        self.go("schedules")
        self.css("#schedules-title")
        form = self.new_form()
        # A benchmark until told otherwise; the eval's fields appear with "Tool eval".
        self.assertFalse(form.find_element(By.CSS_SELECTOR, "select[name=suite_id]").is_displayed())
        form.find_element(By.CSS_SELECTOR, "input[name=kind][value=eval]").click()
        self.assertTrue(form.find_element(By.CSS_SELECTOR, "select[name=suite_id]").is_displayed())
        self.assertFalse(form.find_element(By.CSS_SELECTOR, "textarea[name=prompt]").is_displayed())
        self.assertIn("weather", Select(form.find_element(By.CSS_SELECTOR, "select[name=suite_id]")).first_selected_option.text)
        self.fill(form, "name", "weather tools nightly")
        self.tick(form, [TOOLS])
        form.find_element(By.CSS_SELECTOR, "input[name=mode][value=cron]").click()
        self.fill(form, "cron", "0 3 * * *")
        self.fill(form, "time_zone", "UTC")
        # Inline judging without a judge model: refused next to the judge box, in words.
        self.expected_console = [f"/api/schedules - {REFUSED} 422"]
        form.find_element(By.CSS_SELECTOR, "input[name=judge]").click()
        form.find_element(By.XPATH, ".//button[text()='Create schedule']").click()
        self.wait.until(lambda d: self.error(form, "judge"))
        self.assertIn("Choose a judge model first", self.error(form, "judge"))
        self.assertEqual(self.schedules(), [])
        form.find_element(By.CSS_SELECTOR, "input[name=judge]").click()
        form.find_element(By.XPATH, ".//button[text()='Create schedule']").click()
        row = self.row("weather tools nightly")
        self.assertEqual(row.find_element(By.CSS_SELECTOR, "td[data-label=kind]").text, "Tool eval (suite: weather)")
        self.assertIn(TOOLS, row.text)
        [stored] = self.schedules()
        self.assertEqual((stored["kind"], stored["cron"], stored["request"]["suite_id"], stored["request"]["judge"]),
                         ("eval", "0 3 * * *", suite["id"], False))
        self.assertEqual([t["model"] for t in stored["request"]["targets"]], [TOOLS])
        # A benchmark beside it shows its kind and no suite.
        self.api("POST", "/api/schedules", {"name": "hourly speed", "kind": "benchmark", "interval_hours": 1,
                                            "request": {"targets": [{"provider": "sim-openai", "model": FAST}]}}, expect=201)
        self.reload()
        bench = self.row("hourly speed")
        self.assertEqual(bench.find_element(By.CSS_SELECTOR, "td[data-label=kind]").text, "Benchmark")
        self.assertIn("every hour", bench.text)
        # Every row button names its schedule, once.
        labels = [b.get_attribute("aria-label") for b in d.find_elements(By.CSS_SELECTOR, "#main tr .actions button")]
        self.assertEqual(len(labels), 10)
        self.assertEqual(len(set(labels)), len(labels), labels)
        self.assertIn("Past runs of weather tools nightly", labels)
        # Its editor opens as a tool eval, on its suite.
        self.button("Edit weather tools nightly").click()
        form = self.editor()
        self.assertTrue(form.find_element(By.CSS_SELECTOR, "input[name=kind][value=eval]").is_selected())
        self.assertEqual(Select(form.find_element(By.CSS_SELECTOR, "select[name=suite_id]")).first_selected_option.get_attribute("value"), suite["id"])
        self.assertEqual(form.find_element(By.CSS_SELECTOR, "input[name=cron]").get_attribute("value"), "0 3 * * *")
        self.shots("schedules-eval", after_resize=self.actions_fit_on_a_phone)
        form.find_element(By.XPATH, ".//button[text()='Cancel']").click()
        self.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "tr.schedule-editor"))

    def test_a_new_user_sees_what_a_schedule_does(self):
        self.email = self.user_with_models()
        empty = self.css("#main .empty")
        self.assertIn("No schedules yet", empty.text)
        self.assertIn("every N hours", empty.text)
        self.assertFalse(self.driver.find_elements(By.CSS_SELECTOR, "#main table"))
        # With nothing listed, the form for a first schedule is open.
        self.assertTrue(self.css("#new-schedule").is_displayed())
        self.assertFalse(self.xpath("//main//button[text()='New schedule']").is_displayed())
        self.shots("schedules-empty")


if __name__ == "__main__":
    unittest.main(verbosity=2)
