/* The staff dashboard's charts. The figures come from the JSON element #dashboard-charts
   (written by Django's json_script); each chart has the same figures in a table beside it,
   so the canvas is decoration for those who see it, and screen readers read the table. */
(function () {
  "use strict";

  var source = document.getElementById("dashboard-charts");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var charts = JSON.parse(source.textContent);
  // Colours that stay apart for the common kinds of colour blindness (Okabe-Ito).
  var palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var data = charts[canvas.dataset.chart];
    if (!data || !data.labels.length) {
      canvas.closest(".dashboard-chart").classList.add("d-none");
      return;
    }
    var horizontal = canvas.dataset.chartHorizontal === "true";
    var datasets = data.datasets.map(function (dataset, index) {
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: palette[index % palette.length],
        borderColor: palette[index % palette.length],
        borderWidth: 1
      };
    });
    // Height follows the number of bars so long lists (provinces, sectors) stay readable.
    var bars = data.labels.length * Math.max(1, datasets.length);
    canvas.parentElement.style.height = Math.max(220, 40 + bars * (horizontal ? 18 : 6)) + "px";
    new window.Chart(canvas, {
      type: canvas.dataset.chartType || "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { x: { beginAtZero: true }, y: { beginAtZero: true } }
      }
    });
  });
})();
