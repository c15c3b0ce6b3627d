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

    def test_the_admin_disables_a_plugin_and_enables_it_again(self):
        d = self.driver
        self.sign_in(page="plugins")
        self.xpath(ROW)
        d.execute_script("window.confirm = () => true")
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Disable exact-args']").click()
        # A disabled plugin is listed with the refused libraries, with the way back.
        enable = self.css("button[aria-label='Enable exact-args']")
        self.assertFalse(d.find_elements(By.XPATH, ROW))
        self.shots("plugins-disabled")
        enable.click()
        self.wait.until(lambda d: d.find_elements(By.XPATH, ROW))
        self.assertFalse(d.find_elements(By.CSS_SELECTOR, "button[aria-label='Enable exact-args']"))
