// While a worker computes the dashboard's figures after a change, asks the page again every
// two seconds (at most a minute), then reloads once it comes with the new figures.
(function () {
  "use strict";
  var note = document.querySelector("[data-figures-updating]");
  if (!note) { return; }
  var tries = 0;

  function check() {
    tries += 1;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (html && html.indexOf("data-figures-updating") === -1) {
          window.location.reload();
        } else if (tries < 30) {
          window.setTimeout(check, 2000);
        }
      })
      .catch(function () {
        if (tries < 30) { window.setTimeout(check, 2000); }
      });
  }

  window.setTimeout(check, 1000);
})();
