"""Every action reachable by keyboard: on each page, Tab from the top visits every visible
button, link, input, select, textarea and scrollable table, in the order they are shown."""
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from harness import DashboardCase

PAGES = ["benchmark", "history", "load", "evals", "tuning", "experiments", "prompts", "judge", "providers", "schedules", "plugins", "account", "admin"]

# Interactive elements a user can see (inside a closed <details> they are not shown, so not counted).
TAG_VISIBLE = """
let n = 0;
const items = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')].filter((e) => {
  if (e.disabled || e.tabIndex < 0 || e.closest('[hidden]') || e.closest('details:not([open]) > :not(summary)')) return false;
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
});
for (const e of items) e.dataset.kb = String(n++);
return items.map((e) => e.tagName.toLowerCase() + (e.name ? `[name=${e.name}]` : '') + ' ' + (e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 40));
"""


class KeyboardTest(DashboardCase):
    def test_tab_reaches_every_action_on_every_page(self):
        d = self.driver
        self.sign_in(page="benchmark")
        missed = {}
        for page in PAGES:
            self.go(page)
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
            # A radio group is one Tab stop (arrow keys move inside it), as browsers have it.
            groups = d.execute_script("return [...document.querySelectorAll('[data-kb]')].map((e) => e.type === 'radio' ? 'radio:' + e.name : null)")
            reached_groups = {groups[int(i)] for i in reached if groups[int(i)]}
            left = [labels[i] for i in range(len(labels)) if str(i) not in reached and not (groups[i] and groups[i] in reached_groups)]
            if left:
                missed[page] = left
        self.assertEqual(missed, {}, f"not reachable with Tab: {missed}")
