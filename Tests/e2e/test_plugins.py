"""The Plugins page: every loaded plugin with its mode; the admin isolates a bundled plugin
(reloaded in its sandboxed runner) and brings it back in-process; usable on a phone."""
from selenium.webdriver.common.by import By

from harness import DashboardCase

ROW = "//main//tr[td[1][text()='exact-args']]"


class PluginsTest(DashboardCase):
    def test_the_admin_isolates_a_plugin_and_brings_it_back(self):
        d = self.driver
        self.sign_in(page="plugins")
        self.assertIn("openai", d.find_element(By.ID, "main").text)
        self.wait.until(lambda d: "in-process" in d.find_element(By.XPATH, ROW).text)
        d.find_element(By.XPATH, ROW + "//button[text()='Isolate']").click()
        self.wait.until(lambda d: "isolated (" in d.find_element(By.XPATH, ROW).text)
        self.assertIn("seccomp", d.find_element(By.XPATH, ROW).text)
        self.shots("plugins")
        d.find_element(By.XPATH, ROW + "//button[text()='Run in-process']").click()
        self.wait.until(lambda d: "in-process" in d.find_element(By.XPATH, ROW).text)
