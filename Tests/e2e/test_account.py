"""The Account page: a CLI token made (shown once, copyable), listed, revoked; my jobs."""
from selenium.webdriver.common.by import By

from harness import DashboardCase


class AccountTest(DashboardCase):
    def test_cli_tokens_and_my_jobs(self):
        d = self.driver
        email = self.new_user(page="account")
        job = self.studio.request("POST", "/api/benchmarks", {"targets": [{"provider": "sim-openai", "model": "sim-ttft80-gap10-tok128"}],
                                                              "runs": 1, "max_tokens": 8}, email=email, expect=202)
        self.studio.wait_job(job["job_id"], email=email)
        self.go("account")
        d.find_element(By.CSS_SELECTOR, "form[aria-labelledby=tokens-title] input[name=name]").send_keys("laptop")
        d.find_element(By.XPATH, "//button[text()='Create token']").click()
        token = self.css("#new-token").get_attribute("value")
        self.assertTrue(len(token) > 20)
        self.wait.until(lambda d: "laptop" in d.find_element(By.CSS_SELECTOR, "form[aria-labelledby=tokens-title] table").text)
        self.assertIn("Benchmark", d.find_element(By.CSS_SELECTOR, "section[aria-labelledby=my-jobs-title]").text)
        self.shots("account")
        d.execute_script("window.confirm = () => true")
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Revoke the token laptop']").click()
        self.wait.until(lambda d: "No CLI tokens yet" in d.find_element(By.CSS_SELECTOR, "form[aria-labelledby=tokens-title]").text)
