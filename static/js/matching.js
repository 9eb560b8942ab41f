// Follows a matching run's progress without reloading, then reloads once it is done.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var list = document.getElementById("run-stages");
  var current = document.getElementById("run-stage");
  var shown = 0;

  function show(data) {
    current.textContent = data.stage_label;
    for (; shown < data.stages.length; shown += 1) {
      var item = document.createElement("li");
      var at = new Date(data.stages[shown].at);
      item.textContent = at.toLocaleTimeString() + " · " + data.stages[shown].label;
      list.appendChild(item);
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        show(data);
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
}());
