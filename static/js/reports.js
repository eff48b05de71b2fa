// Weekly report: bar charts from the figures the page embeds with json_script. The tables on the page
// carry the same figures for anyone without JavaScript or using a screen reader.
(function () {
  "use strict";
  var source = document.getElementById("report-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = { monitors: "#1d70b8", routes: "#4c2c92", accounts: "#00703c", training: "#f47738" };
  Object.keys(data).forEach(function (key) {
    var canvas = document.querySelector('canvas[data-report-chart="' + key + '"]');
    var series = data[key];
    if (!canvas || !series.labels.length) {
      return;
    }
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: series.labels, datasets: [{ label: canvas.getAttribute("aria-label"), data: series.values, backgroundColor: colours[key] }] },
      options: {
        animation: false,
        indexAxis: series.labels.length > 6 ? "y" : "x",
        plugins: { legend: { display: false } },
        scales: key === "training" ? { y: { min: 0, max: 100 }, x: {} } : {},
      },
    });
  });
})();
