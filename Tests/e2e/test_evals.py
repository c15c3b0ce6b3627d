"""The Tool eval page in a real browser (harness.py): importing suites (native, BFCL) and
running one on the simulator's tool-calling model; editing a suite, its tools and cases in
forms (checked through the API); refusals in words next to their field, nothing stored
lost; an eval followed again after leaving the page, cancelled there; what a new user sees.

    cd Tests/e2e && python -m unittest test_evals -v
"""
import json
import os
import tempfile
import time
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from harness import DashboardCase

TOOL_MODEL = "sim-ttft10-gap1-toolscall"
SLOW_MODEL = "sim-ttft300-gap25-tok128"  # a new user's own simulator model: ~0.4 s per case

WEATHER = {"name": "weather", "description": "Picks the weather tool", "system_prompt": "Use the tools when they help.",
           "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city", "parameters": {
               "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
           "cases": [{"id": "paris", "prompt": "Call get_weather for Paris",
                      "expected_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}]}


class EvalsTest(DashboardCase):
    # Refusals provoked on purpose: the browser logs each as a failed load.
    expected_console = ["the server responded with a status of 400"]

    # ——— helpers ———
    def suite_id(self, email, name):
        suites = self.studio.request("GET", "/api/suites", email=email)["suites"]
        return next(s["id"] for s in suites if s["name"] == name)

    def suite(self, email, name):
        return self.studio.request("GET", f"/api/suites/{self.suite_id(email, name)}", email=email)

    def button(self, label):
        return self.css(f'button[aria-label="{label}"]')

    def click(self, element):
        """Clicks as a user would after scrolling the element into view (the tray and the
        toasts are pinned to the bottom corners)."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def form(self, label):
        return self.css(f"form[aria-label='{label}']")

    def set_value(self, element, text):
        """Replaces a field's text as a user does (select all, type)."""
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE)
        element.send_keys(text)

    def error_for(self, form, name):
        return form.find_element(By.CSS_SELECTOR, f"[data-error-for='{name}']")

    def assert_labelled_and_named(self):
        """Every control in the page has a label; every button has a name, unique per row."""
        d = self.driver
        unlabelled = d.execute_script(
            "return [...document.querySelectorAll('#main input, #main select, #main textarea')]"
            ".filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML)")
        self.assertEqual(unlabelled, [], "controls without a label")
        names = d.execute_script(
            "return [...document.querySelectorAll('#main table button')].map(b => b.getAttribute('aria-label') || b.textContent.trim())")
        self.assertTrue(all(names), "a button without a name")
        self.assertEqual(len(names), len(set(names)), f"buttons in tables share a name: {names}")
        self.assertEqual(d.execute_script("return [...document.querySelectorAll('#main button, #main input, #main select, #main textarea')]"
                                          ".filter(e => e.tabIndex < 0).length"), 0, "a control out of the keyboard's reach")

    # ——— the tests ———
    def test_empty_states_for_a_new_user(self):
        email = self.new_user("evals")
        d = self.driver
        no_suites = self.css("#no-suites").text
        self.assertIn("No suites yet", no_suites)
        for words in ("Studio suite", "MCP tools/list", "BFCL", "create one"):
            self.assertIn(words, no_suites)
        models = self.css("#no-tool-models").text
        self.assertIn("Providers & keys", models)
        self.assertIn(TOOL_MODEL, models)
        self.assertIn("No eval runs yet", self.css("#no-evals").text)
        self.assertFalse(d.find_element(By.ID, "eval-run").is_enabled(), "Run eval waits for a suite")
        self.assert_labelled_and_named()
        self.shots("evals-empty")
        # The way out of each: the link to Providers & keys, the simulator's tool model in one click.
        self.assertTrue(d.find_element(By.CSS_SELECTOR, "#no-tool-models a[href='#/providers']").is_displayed())
        self.click(self.button(f"Add the simulator's tool-calling model {TOOL_MODEL}"))
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#eval-models input[value='sim-openai/{TOOL_MODEL}']"))
        self.assertFalse(d.find_elements(By.ID, "no-tool-models"), "the advice goes once there is a tool-calling model")
        providers = self.studio.request("GET", "/api/providers", email=email)["providers"]
        self.assertIn(TOOL_MODEL, [m["model_id"] for p in providers for m in p["models"]])
        # "Create a suite" leads to the form, which opens the new suite in the editor.
        self.click(d.find_element(By.XPATH, "//button[text()='Create a suite']"))
        name = d.switch_to.active_element
        self.assertEqual(name.get_attribute("name"), "name")
        name.send_keys("first suite")
        self.click(d.find_element(By.XPATH, "//button[text()='Create suite']"))
        self.wait.until(lambda d: "Editing suite “first suite”" in d.find_element(By.ID, "suite-detail").text)
        self.assertIn("No tools yet", d.find_element(By.ID, "suite-detail").text)
        self.assertIn("No cases yet", d.find_element(By.ID, "suite-detail").text)
        self.assertTrue(d.find_element(By.ID, "eval-run").is_enabled())
        self.shots("evals-new-suite")

    def test_import_and_run_on_the_tool_calling_model(self):
        email = self.new_user("evals")
        self.studio.add_model(TOOL_MODEL, email=email)
        d = self.driver
        self.go("evals")
        work = tempfile.mkdtemp(prefix="evals-")
        suite_file = os.path.join(work, "weather.json")
        with open(suite_file, "w") as f:
            json.dump({"format": "studio-suite/1", **WEATHER}, f)
        d.find_element(By.CSS_SELECTOR, "input[name=file]").send_keys(suite_file)
        self.click(d.find_element(By.XPATH, "//button[text()='Import']"))
        self.wait.until(lambda d: "weather (1 case)" in d.find_element(By.CSS_SELECTOR, "select[name=suite_id]").text)
        # BFCL files (questions + possible answers, JSON Lines) import too.
        questions, answers = os.path.join(work, "bfcl-q.jsonl"), os.path.join(work, "bfcl-a.jsonl")
        with open(questions, "w") as f:
            f.write(json.dumps({"id": "simple_python_0", "question": [[{"role": "user", "content": "Area of a triangle, base 10, height 5?"}]],
                                "function": [{"name": "triangle.area", "parameters": {"type": "dict", "properties": {
                                    "base": {"type": "integer"}, "height": {"type": "integer"}}, "required": ["base", "height"]}}]}) + "\n")
        with open(answers, "w") as f:
            f.write(json.dumps({"id": "simple_python_0", "ground_truth": [{"triangle.area": {"base": [10], "height": [5]}}]}) + "\n")
        Select(d.find_element(By.CSS_SELECTOR, "select[name=format]")).select_by_value("bfcl")
        d.find_element(By.CSS_SELECTOR, "input[name=file]").send_keys(questions)
        d.find_element(By.CSS_SELECTOR, "input[name=answers]").send_keys(answers)
        self.click(d.find_element(By.XPATH, "//button[text()='Import']"))
        self.wait.until(lambda d: "bfcl-q (1 case)" in d.find_element(By.CSS_SELECTOR, "select[name=suite_id]").text)
        self.assertIn("bfcl-q", d.find_element(By.ID, "suites").text)
        Select(d.find_element(By.CSS_SELECTOR, "select[name=suite_id]")).select_by_visible_text("weather (1 case)")
        self.tick("#eval-models input[name=target]", [TOOL_MODEL])
        self.click(d.find_element(By.ID, "eval-run"))
        self.wait.until(lambda d: "Done" in d.find_element(By.ID, "eval-status").text)
        rows = d.find_elements(By.CSS_SELECTOR, "#eval-results tbody tr")
        self.assertEqual(len(rows), 1)
        self.assertIn('get_weather({"city":"Paris"})', rows[0].text)
        self.assertIn("1 of 1 case runs passed", d.find_element(By.ID, "eval-status").text)
        self.css("#eval-summaries svg rect.bar")
        self.assertNotIn("null", d.find_element(By.ID, "eval-models").text)
        # Run eval comes back once the job is marked finished; the run is listed with the suite's name.
        self.wait.until(lambda d: d.find_element(By.ID, "eval-run").is_enabled())
        self.wait.until(lambda d: "weather" in d.find_element(By.ID, "past-evals").text)
        self.assertIn("done", d.find_element(By.ID, "past-evals").text)
        self.assert_labelled_and_named()
        self.shots("evals-run")
        # The stored run opens again below.
        self.click(d.find_element(By.XPATH, "//div[@id='past-evals']//button[text()='Open']"))
        self.wait.until(lambda d: "Every case run" in d.find_element(By.ID, "eval-view").text)
        self.assertIn("get_weather", d.find_element(By.ID, "eval-view").text)

    def test_edit_a_suite_its_tools_and_cases_in_forms(self):
        email = self.new_user("evals")
        self.studio.request("POST", "/api/suites", WEATHER, email=email, expect=201)
        d = self.driver
        self.go("evals")
        # By keyboard: the row's Edit button, then Enter.
        self.button("Edit suite weather").send_keys(Keys.ENTER)
        settings = self.form("settings and tools of suite weather")
        self.set_value(settings.find_element(By.CSS_SELECTOR, "input[name=name]"), "weather v2")
        self.set_value(settings.find_element(By.CSS_SELECTOR, "textarea[name=system_prompt]"), "Always use a tool.")
        self.set_value(settings.find_element(By.CSS_SELECTOR, "textarea[name=description]"), "Weather and time")
        # The tool: renamed (the case that expects it follows), described, a parameter added.
        self.set_value(settings.find_element(By.CSS_SELECTOR, "input[name='tools[0].function.name']"), "get_forecast")
        self.set_value(settings.find_element(By.CSS_SELECTOR, "textarea[name='tools[0].function.description']"), "Forecast for a city")
        self.set_value(settings.find_element(By.CSS_SELECTOR, "textarea[name='tools[0].function.parameters']"),
                       json.dumps({"type": "object", "properties": {"city": {"type": "string"}, "units": {"type": "string", "enum": ["metric", "imperial"]}},
                                   "required": ["city"]}))
        # A second tool, added and then kept.
        self.click(settings.find_element(By.XPATH, ".//button[text()='Add a tool']"))
        second = d.switch_to.active_element
        self.assertEqual(second.get_attribute("name"), "tools[1].function.name")
        second.send_keys("get_time")
        self.assert_labelled_and_named()
        self.shots("evals-edit-suite")
        self.click(settings.find_element(By.XPATH, ".//button[text()='Save suite']"))
        self.wait.until(lambda d: "Saved suite weather v2; the renamed tool is renamed in 1 case." in d.find_element(By.ID, "suite-saved").text)
        self.assertIn("Editing suite “weather v2”", d.find_element(By.ID, "suite-detail").text)
        stored = self.suite(email, "weather v2")
        self.assertEqual(stored["system_prompt"], "Always use a tool.")
        self.assertEqual(stored["description"], "Weather and time")
        self.assertEqual([t["function"]["name"] for t in stored["tools"]], ["get_forecast", "get_time"])
        self.assertEqual(stored["tools"][0]["function"]["description"], "Forecast for a city")
        self.assertIn("units", stored["tools"][0]["function"]["parameters"]["properties"])
        self.assertEqual(stored["cases"][0]["body"]["expected_calls"][0]["name"], "get_forecast", "the renamed tool is renamed in the case")

        # A case: its prompt, arguments, irrelevance flag and multi-turn fields.
        self.click(self.button("Edit case paris"))
        case = self.form("edit case paris")
        self.set_value(case.find_element(By.CSS_SELECTOR, "textarea[name=prompt]"), "Forecast for Paris in metric units")
        self.set_value(case.find_element(By.CSS_SELECTOR, "textarea[name='expected_calls[0].arguments']"), '{"city": "Paris", "units": "metric"}')
        case.find_element(By.CSS_SELECTOR, "input[name=category]").send_keys("simple")
        self.click(case.find_element(By.XPATH, ".//summary"))
        case.find_element(By.CSS_SELECTOR, "input[name='multi_turn.max_rounds']").send_keys("3")
        case.find_element(By.CSS_SELECTOR, "textarea[name='multi_turn.mock_results']").send_keys('{"get_forecast": "sunny, 21 °C"}')
        case.find_element(By.CSS_SELECTOR, "input[name='multi_turn.prerequisites']").send_keys("get_time")
        self.assert_labelled_and_named()
        self.shots("evals-edit-case")
        self.click(case.find_element(By.XPATH, ".//button[text()='Save case']"))
        self.wait.until(lambda d: "Saved case paris." in d.find_element(By.ID, "cases-saved").text)
        self.assertIn("Forecast for Paris", d.find_element(By.ID, "suite-cases").text)
        body = self.suite(email, "weather v2")["cases"][0]["body"]
        self.assertEqual(body["prompt"], "Forecast for Paris in metric units")
        self.assertEqual(body["expected_calls"], [{"name": "get_forecast", "arguments": {"city": "Paris", "units": "metric"}}])
        self.assertEqual(body["category"], "simple")
        self.assertEqual(body["multi_turn"], {"max_rounds": 3, "mock_results": {"get_forecast": "sunny, 21 °C"}, "prerequisites": ["get_time"]})

        # A new case with two expected calls, the second one's tool chosen from the list.
        self.click(d.find_element(By.XPATH, "//div[@id='suite-cases']//button[text()='Add a case']"))
        new = self.form("new case")
        new.find_element(By.CSS_SELECTOR, "input[name=id]").send_keys("london")
        new.find_element(By.CSS_SELECTOR, "textarea[name=prompt]").send_keys("Time and forecast in London")
        self.click(new.find_element(By.XPATH, ".//button[text()='Add an expected call']"))
        self.set_value(new.find_element(By.CSS_SELECTOR, "textarea[name='expected_calls[0].arguments']"), '{"city": "London"}')
        self.click(new.find_element(By.XPATH, ".//button[text()='Add an expected call']"))
        Select(new.find_element(By.CSS_SELECTOR, "select[name='expected_calls[1].name']")).select_by_value("get_time")
        self.set_value(new.find_element(By.CSS_SELECTOR, "textarea[name='expected_calls[1].arguments']"), "")
        self.click(new.find_element(By.XPATH, ".//button[text()='Add case']"))
        self.wait.until(lambda d: "london" in d.find_element(By.ID, "suite-cases").text)
        cases = self.suite(email, "weather v2")["cases"]
        self.assertEqual([c["id"] for c in cases], ["paris", "london"])
        self.assertEqual(cases[1]["body"]["expected_calls"], [{"name": "get_forecast", "arguments": {"city": "London"}}, {"name": "get_time"}])
        # A case's id changed: stored under the new id, in its place.
        self.click(self.button("Edit case paris"))
        case = self.form("edit case paris")
        self.set_value(case.find_element(By.CSS_SELECTOR, "input[name=id]"), "paris-metric")
        self.click(case.find_element(By.XPATH, ".//button[text()='Save case']"))
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "button[aria-label='Edit case paris-metric']"))
        cases = self.suite(email, "weather v2")["cases"]
        self.assertEqual([c["id"] for c in cases], ["paris-metric", "london"])
        self.assertEqual(cases[0]["body"]["multi_turn"]["max_rounds"], 3, "the rest of the case is kept")
        self.assertIn("weather v2", d.find_element(By.ID, "suites").text)
        self.assertIn("weather v2 (2 cases)", d.find_element(By.CSS_SELECTOR, "select[name=suite_id]").text)

    def test_refusals_in_words_next_to_their_field(self):
        email = self.new_user("evals")
        self.studio.request("POST", "/api/suites", WEATHER, email=email, expect=201)
        before = self.suite(email, "weather")
        d = self.driver
        self.go("evals")
        self.click(self.button("Edit suite weather"))
        self.click(self.button("Edit case paris"))
        case = self.form("edit case paris")
        self.set_value(case.find_element(By.CSS_SELECTOR, "input[name=id]"), "paris2")
        args = case.find_element(By.CSS_SELECTOR, "textarea[name='expected_calls[0].arguments']")
        self.set_value(args, "{city: Paris}")
        self.click(case.find_element(By.XPATH, ".//button[text()='Save case']"))
        slot = self.error_for(case, "expected_calls[0].arguments")
        self.wait.until(lambda d: "not valid JSON" in slot.text)
        self.assertIn('e.g. {"city": "Paris"}', slot.text)
        self.assertEqual(args.get_attribute("aria-invalid"), "true")
        self.assertEqual(d.switch_to.active_element, args, "the field in question has the focus")
        self.assertIn(slot.get_attribute("id"), args.get_attribute("aria-describedby"))
        # JSON that is not an object is refused too.
        self.set_value(args, '["Paris"]')
        self.click(case.find_element(By.XPATH, ".//button[text()='Save case']"))
        self.wait.until(lambda d: "must be a JSON object" in slot.text)
        self.assert_labelled_and_named()
        self.shots("evals-bad-arguments")
        # A tool's parameters that are not JSON, and a tool name with a space, in words by the field.
        settings = self.form("settings and tools of suite weather")
        params = settings.find_element(By.CSS_SELECTOR, "textarea[name='tools[0].function.parameters']")
        self.set_value(params, "{type: object}")
        self.click(settings.find_element(By.XPATH, ".//button[text()='Save suite']"))
        slot = self.error_for(settings, "tools[0].function.parameters")
        self.wait.until(lambda d: "The parameters of get_weather is not valid JSON" in slot.text)
        self.set_value(params, "{}")
        tool = settings.find_element(By.CSS_SELECTOR, "input[name='tools[0].function.name']")
        self.set_value(tool, "get weather")
        self.click(settings.find_element(By.XPATH, ".//button[text()='Save suite']"))
        self.wait.until(lambda d: "no spaces" in self.error_for(settings, "tools[0].function.name").text)
        self.set_value(tool, "get_weather")
        # Removing a tool a case expects is refused, naming the case.
        self.click(settings.find_element(By.CSS_SELECTOR, "button[aria-label='Remove tool get_weather']"))
        self.click(settings.find_element(By.XPATH, ".//button[text()='Save suite']"))
        self.wait.until(lambda d: "Case paris expects the tool get_weather" in self.error_for(settings, "tools").text)
        # The API's own refusal (a description over 2,000 characters) next to its field, in its words.
        self.click(d.find_element(By.CSS_SELECTOR, "button[aria-label^='Close the editor of suite']"))
        self.click(self.button("Edit suite weather"))
        settings = self.form("settings and tools of suite weather")
        description = settings.find_element(By.CSS_SELECTOR, "textarea[name=description]")
        d.execute_script("arguments[0].value = 'x'.repeat(2001)", description)
        settings.find_element(By.CSS_SELECTOR, "input[name=name]").send_keys(" renamed")
        self.click(settings.find_element(By.XPATH, ".//button[text()='Save suite']"))
        self.wait.until(lambda d: self.error_for(settings, "description").text.startswith("Longer than 2000 characters."))
        self.assertEqual(description.get_attribute("aria-invalid"), "true")
        self.assertEqual(settings.find_element(By.CSS_SELECTOR, "input[name=name]").get_attribute("value"), "weather renamed", "the edits stay to correct")
        self.shots("evals-refused")
        # Nothing stored changed.
        after = self.suite(email, "weather")
        self.assertEqual(after["tools"], before["tools"])
        self.assertEqual(after["description"], before["description"])
        self.assertEqual([c["body"] for c in after["cases"]], [c["body"] for c in before["cases"]])

    def test_a_long_eval_is_followed_again_after_leaving_the_page(self):
        email = self.new_user("evals")
        many = dict(WEATHER, name="many cities", cases=[{"id": f"city{i}", "prompt": f"Call get_weather for City{i}",
                                                         "expected_calls": [{"name": "get_weather", "arguments": {"city": f"City{i}"}}]} for i in range(12)])
        self.studio.request("POST", "/api/suites", many, email=email, expect=201)
        d = self.driver
        self.go("evals")
        self.tick("#eval-models input[name=target]", [SLOW_MODEL])
        repeat = d.find_element(By.CSS_SELECTOR, "input[name=repeat]")
        self.set_value(repeat, "5")
        self.click(d.find_element(By.ID, "eval-run"))
        self.wait.until(lambda d: "Running:" in d.find_element(By.ID, "eval-status").text)
        self.assertFalse(d.find_element(By.ID, "eval-run").is_enabled())
        self.assertTrue(d.find_element(By.ID, "eval-cancel").is_displayed())
        # Away to History: the job stays in the tray; back: progress and Cancel again.
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/history']").click()
        self.wait.until(lambda d: "Tool eval" in d.find_element(By.ID, "jobs").text)
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/evals']").click()
        self.wait.until(lambda d: "Running:" in d.find_element(By.ID, "eval-status").text)
        self.assertIn("of 60 case runs done", d.find_element(By.ID, "eval-status").text)
        self.assertTrue(d.find_element(By.ID, "eval-progress").is_displayed())
        self.assertFalse(d.find_element(By.ID, "eval-run").is_enabled(), "Run eval stays disabled on return")
        cancel = d.find_element(By.ID, "eval-cancel")
        self.assertTrue(cancel.is_displayed() and cancel.is_enabled(), "Cancel is there on return")
        self.assertGreaterEqual(len(d.find_elements(By.CSS_SELECTOR, "#eval-results tbody tr")), 1, "the results so far are shown again")
        # The top of the page says so, and the form shows what the running eval asked.
        self.assertIn("Your eval is still running", d.find_element(By.ID, "eval-running").text)
        self.assertEqual(d.find_element(By.CSS_SELECTOR, "input[name=repeat]").get_attribute("value"), "5")
        self.assertTrue(d.find_element(By.CSS_SELECTOR, f"#eval-models input[value='sim-openai/{SLOW_MODEL}']").is_selected())
        self.assertIn("many cities on " + SLOW_MODEL, d.find_element(By.CSS_SELECTOR, "#eval-live h3").text)
        self.shots("evals-reattached")
        self.click(cancel)
        self.wait.until(lambda d: "Cancelled" in d.find_element(By.ID, "eval-status").text)
        self.wait.until(lambda d: d.find_element(By.ID, "eval-run").is_enabled())
        self.assertFalse(d.find_element(By.ID, "eval-cancel").is_displayed())
        self.assertFalse(d.find_element(By.ID, "eval-running").is_displayed())
        evals = self.studio.request("GET", "/api/evals", email=email)["evals"]
        self.assertEqual(evals[0]["status"], "cancelled")
        jobs = self.studio.request("GET", "/api/jobs?state=running", email=email)["jobs"]
        self.assertEqual(jobs, [])
        self.wait.until(lambda d: "cancelled" in d.find_element(By.ID, "past-evals").text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
