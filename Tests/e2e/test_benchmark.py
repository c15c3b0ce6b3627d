"""The Benchmark page: a prompt from a template, parameters checked live, context sizes as
chips, extra parameters from the models' rules, rows and charts arriving live, a summary per
model with its confidence, colours per provider; a running benchmark that follows the user
to another page and back; the phone menu."""
import json
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness import DashboardCase


class BenchmarkTest(DashboardCase):
    def test_a_benchmark_with_a_template_chips_extra_parameters_and_a_summary(self):
        d = self.driver
        self.studio.add_model("sim-ttft50-gap10-tok32")
        self.sign_in(page="benchmark")
        # The simulator's model names are explained where they appear.
        self.assertIn("first token after 50 ms, then one every 10 ms, 32 tokens", d.find_element(By.ID, "main").text)
        self.tick("input[name=target]", ["sim-ttft50-gap10-tok32"])
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
        # Context sizes as chips: no padding (the default) and 1K.
        self.assertTrue(d.find_element(By.CSS_SELECTOR, "input[name=tier][value='0']").is_selected())
        d.find_element(By.XPATH, "//label[contains(@class,'chip')][normalize-space()='1K']").click()
        # Extra parameters offered from the openai plugin's rules; top_k, which OpenAI refuses, is not.
        d.find_element(By.CSS_SELECTOR, "details.extras summary").click()
        top_p = self.css("input[name='param-top_p']")
        self.assertFalse(d.find_elements(By.CSS_SELECTOR, "[name='param-top_k']"))
        top_p.send_keys("0.5")
        Select(d.find_element(By.CSS_SELECTOR, "select[name='param-reasoning_effort']")).select_by_value("low")
        self.shots("benchmark-form")
        pressed = time.monotonic()
        d.find_element(By.ID, "run").click()
        self.wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#live-results tbody tr")) >= 1)
        first_row = time.monotonic() - pressed
        self.wait.until(lambda d: "Done" in d.find_element(By.ID, "bench-status").text)
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, "#live-results tbody tr")), 6, "3 runs at each of 2 sizes")
        # One summary line per model, with the server's confidence once the job is done.
        summary = d.find_elements(By.CSS_SELECTOR, "#bench-summary tbody tr")
        self.assertEqual(len(summary), 1)
        self.assertIn("6/6", summary[0].text)
        self.assertTrue(any(c in summary[0].text for c in ("high", "medium", "low")), summary[0].text)
        self.assertGreaterEqual(len(d.find_elements(By.CSS_SELECTOR, "#live-charts svg rect.bar")), 2)
        # The run stored what the form asked for.
        run = self.studio.request("GET", "/api/runs?kind=benchmark")["runs"][0]
        self.assertEqual(run["request"]["context_tiers"], [0, 1000])
        self.assertEqual(run["request"]["params"], {"top_p": 0.5, "reasoning_effort": "low"})
        self.assertIn("Return only JSON", run["request"]["prompt"])
        self.shots("benchmark")
        print(json.dumps({"first_live_row_seconds": round(first_row, 3)}))

    def test_models_of_two_providers_are_coloured_with_a_legend(self):
        d = self.driver
        self.new_user()
        self.tick("input[name=target]", ["sim-ttft80-gap10-tok128", "sim-ttft120-gap8-tok128"])
        runs = d.find_element(By.CSS_SELECTOR, "input[name=runs]")
        runs.clear(); runs.send_keys("1")
        tokens = d.find_element(By.CSS_SELECTOR, "input[name=max_tokens]")
        tokens.clear(); tokens.send_keys("8")
        d.find_element(By.ID, "run").click()
        self.wait.until(lambda d: "Done" in d.find_element(By.ID, "bench-status").text)
        legend = self.css("#live-charts .legend")
        self.assertIn("sim-openai", legend.text)
        self.assertIn("sim-gemini", legend.text)
        colours = {b.get_attribute("class") for b in d.find_elements(By.CSS_SELECTOR, "#live-charts figure:first-child rect.bar")}
        self.assertEqual(len(colours), 2, colours)
        # A size no chosen model can hold is named before the run.
        d.find_element(By.XPATH, "//label[contains(@class,'chip')][normalize-space()='128K']").click()
        self.wait.until(lambda d: "context window" in d.find_element(By.CSS_SELECTOR, ".tier-note").text)
        self.shots("benchmark-providers")

    def test_a_running_benchmark_follows_the_user_and_is_cancelled_from_the_tray(self):
        d = self.driver
        self.sign_in(page="benchmark")
        self.tick("input[name=target]", ["sim-ttft300-gap25-tok128"])
        tokens = d.find_element(By.CSS_SELECTOR, "input[name=max_tokens]")
        tokens.clear(); tokens.send_keys("128")
        runs = d.find_element(By.CSS_SELECTOR, "input[name=runs]")
        runs.clear(); runs.send_keys("10")
        self.wait.until(lambda d: d.find_element(By.ID, "run").is_enabled())
        d.find_element(By.ID, "run").click()
        # Run is disabled while its job runs; Cancel is offered.
        self.wait.until(lambda d: not d.find_element(By.ID, "run").is_enabled())
        self.assertTrue(d.find_element(By.ID, "cancel").is_enabled())
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/history']").click()
        self.wait.until(lambda d: "Benchmark" in d.find_element(By.ID, "jobs").text)
        self.shots("jobs-tray")
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/benchmark']").click()
        self.wait.until(lambda d: "Running" in d.find_element(By.ID, "bench-status").text)
        self.assertFalse(d.find_element(By.ID, "run").is_enabled(), "Run stays disabled on return")
        self.assertTrue(d.find_element(By.ID, "cancel").is_enabled(), "Cancel is there on return")
        d.find_element(By.CSS_SELECTOR, "#jobs button").click()
        self.wait.until(lambda d: "Cancelled" in d.find_element(By.ID, "bench-status").text)
        self.wait.until(lambda d: d.find_element(By.ID, "run").is_enabled())
        self.wait.until(lambda d: not d.find_element(By.ID, "jobs").is_displayed())

    def test_on_a_phone_the_menu_folds_behind_one_button(self):
        d = self.driver
        self.sign_in(page="benchmark")
        d.set_window_size(390, 844)
        self.go("benchmark")
        self.assertFalse(d.find_element(By.CSS_SELECTOR, "nav a[href='#/history']").is_displayed())
        d.find_element(By.ID, "menu").click()
        self.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "nav a[href='#/history']").is_displayed())
        self.assertEqual(d.find_element(By.ID, "menu").get_attribute("aria-expanded"), "true")
        self.shot("menu-phone")
        d.find_element(By.ID, "menu").click()
        self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"), 400)

    def test_the_last_page_chosen_is_the_one_shown(self):
        """Pages load at their own pace: Benchmark (several requests) chosen and left at once
        for Plugins (one) must not replace Plugins when it finishes loading after it."""
        d = self.driver
        self.sign_in(page="history")
        for _ in range(5):
            d.execute_script("location.hash = '#/benchmark'; setTimeout(() => { location.hash = '#/plugins'; }, 0);")
            self.wait.until(lambda d: "Plugins" in d.find_element(By.ID, "main").text)
            time.sleep(0.8)
            self.assertFalse(d.find_elements(By.ID, "bench-title"), "Benchmark, chosen first, did not replace Plugins")
            self.assertIn("Refused libraries", d.find_element(By.ID, "main").text)
            self.go("history")
