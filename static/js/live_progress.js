// A page of work still running (a job, an import) marks the part that changes with
// data-refresh="seconds": that part is fetched again at that pace and swapped in place, until the
// page says the work is finished (the new part has no data-refresh). The page itself is never
// reloaded, so focus, scrolling and a screen reader's place stay where the person left them.
(function () {
  "use strict";

  function schedule(part) {
    var seconds = parseInt(part.getAttribute("data-refresh"), 10);
    if (!seconds) {
      return;
    }
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.ok ? response.text() : Promise.reject(response.status);
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(part.id);
          if (fresh) {
            part.innerHTML = fresh.innerHTML;
            if (!fresh.hasAttribute("data-refresh")) {
              part.removeAttribute("data-refresh");
            }
            schedule(part);
          }
        })
        .catch(function () {
          schedule(part); // the server may be restarting: try again at the same pace
        });
    }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh]").forEach(schedule);
  });
})();
