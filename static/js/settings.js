// The Settings page: the minutes left on each engine billed by the minute, and after a
// refused save, the list of what was refused brought into view.
import { getJson } from "./lib/api.js";
import { minutesWords } from "./lib/format.js";

for (const line of document.querySelectorAll(".account-minutes")) {
  getJson(line.dataset.url)
    .then((quota) => {
      line.textContent =
        quota.remaining_minutes === null
          ? `You use the installation's key: ${minutesWords(quota.used_minutes)} used here.`
          : `${minutesWords(quota.remaining_minutes)} left on your key (${minutesWords(quota.used_minutes)} used here).`;
    })
    .catch((error) => {
      line.textContent = error.message;
    });
}

const refused = document.getElementById("form-errors");
if (refused) refused.focus();
