"""The Admin page (the first account): the audit log, jobs named by their user's email, a
global key set and listed, the plugin folders rescanned, user actions inside the window."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness import ADMIN, DashboardCase


class AdminTest(DashboardCase):
    def test_audit_jobs_global_keys_and_rescan(self):
        d = self.driver
        studio = self.studio
        # Something for the audit log and the jobs list.
        studio.request("PUT", "/api/keys/sim-openai", {"api_key": "sk-admin-e2e-9999"}, expect=200)
        job = studio.request("POST", "/api/benchmarks", {"targets": [{"provider": "sim-openai", "model": "sim-ttft80-gap10-tok128"}],
                                                         "runs": 1, "max_tokens": 8}, expect=202)
        studio.wait_job(job["job_id"])
        self.sign_in(page="admin")
        self.wait.until(lambda d: "key.set" in d.find_element(By.ID, "audit").text)
        self.assertIn(ADMIN[0], d.find_element(By.XPATH, "//h3[text()='Jobs']/following-sibling::div[1]").text)
        Select(self.css("select[name=provider_id]")).select_by_value("sim-openai")
        d.find_element(By.CSS_SELECTOR, "#main input[name=api_key]").send_keys("sk-global-0000-1234")
        d.find_element(By.XPATH, "//button[text()='Set global key']").click()
        self.wait.until(lambda d: "…1234" in d.find_element(By.ID, "main").text)
        d.find_element(By.XPATH, "//button[text()='Rescan plugin folders']").click()
        self.wait.until(lambda d: "Plugins loaded" in d.find_element(By.ID, "toast").text)
        # The user actions stay inside the window (Disable was cut off).
        disable = d.find_element(By.XPATH, f"//tr[td[text()='{ADMIN[0]}']]//button[text()='Disable']")
        self.assertLessEqual(d.execute_script("return arguments[0].getBoundingClientRect().right", disable), d.execute_script("return window.innerWidth"))
        self.shots("admin")
