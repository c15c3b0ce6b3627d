"""The Judge page: choosing the judge model, an eval judged live as its results arrive, a
post-eval judgement with its report card, a pairwise comparison, and the wrong judge model
failing with a headline that says what to do."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness import DashboardCase

WEATHER = {"name": "judge-weather", "description": "Picks the weather tool",
           "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
               "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
           "cases": [{"id": "paris", "prompt": "Call get_weather for Paris",
                      "expected_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}]}


class JudgeTest(DashboardCase):
    def test_live_and_post_eval_judging_comparison_and_a_failed_judge(self):
        d = self.driver
        email = self.new_user(page="judge")
        studio = self.studio
        for model in ("sim-ttft10-gap1-toolscall", "sim-judge-ttft10-gap1", "sim-ttft50-gap10-tok32"):
            studio.add_model(model, email=email)
        suite = studio.request("POST", "/api/suites", WEATHER, email=email, expect=201)
        job = studio.request("POST", "/api/evals", {"suite_id": suite["id"], "targets": [{"provider": "sim-openai", "model": "sim-ttft10-gap1-toolscall"}]},
                             email=email, expect=202)
        self.assertEqual(studio.wait_job(job["job_id"], email=email)["state"], "done")

        # Choose the judge model, then an eval judged live as its results arrive.
        self.go("judge")
        Select(self.css("select[name=model]")).select_by_value("sim-openai/sim-judge-ttft10-gap1")
        d.find_element(By.XPATH, "//button[text()='Save judge settings']").click()
        self.wait.until(lambda d: "Judge settings saved" in d.find_element(By.ID, "toast").text)
        self.go("evals")
        Select(self.css("select[name=suite_id]")).select_by_visible_text("judge-weather (1 case)")
        self.tick("#main input[name=target]", ["sim-ttft10-gap1-toolscall"])
        d.find_element(By.CSS_SELECTOR, "input[name=judge]").click()
        d.find_element(By.XPATH, "//button[text()='Run eval']").click()
        self.wait.until(lambda d: "Done" in d.find_element(By.ID, "eval-status").text)
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
        self.shots("judge-report")
        d.find_element(By.XPATH, "//button[text()='Compare']").click()
        self.wait.until(lambda d: "both orders" in d.find_element(By.ID, "judge-report").text)
        self.assertIn("1 ties", d.find_element(By.ID, "judge-report").text)  # equal answers: a tie
        self.shots("judge-compare")
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
        self.shots("judge-failed")

    def test_a_new_user_is_told_to_run_an_eval_first(self):
        d = self.driver
        self.new_user(page="judge")
        self.wait.until(lambda d: "Nothing to judge yet" in d.find_element(By.ID, "main").text)
        self.assertFalse(d.find_elements(By.XPATH, "//button[text()='Judge']"))
        self.assertIn("No judge reports yet", d.find_element(By.ID, "main").text)
        self.shots("judge-empty")
