// Monitoring page: one chart per monitor, hourly volume (bars) and average sentiment (line), from the
// JSON the page embeds with json_script. The table on the page carries the same figures without JavaScript.
(function () {
  "use strict";
  var source = document.getElementById("monitor-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var series = JSON.parse(source.textContent);
  series.forEach(function (monitor) {
    var canvas = document.querySelector('canvas[data-monitor-chart="' + monitor.id + '"]');
    if (!canvas) {
      return;
    }
    new window.Chart(canvas, {
      data: {
        labels: monitor.labels,
        datasets: [
          { type: "bar", label: "Posts per hour", data: monitor.volume, yAxisID: "volume", backgroundColor: "#1d70b8" },
          {
            type: "line",
            label: "Average sentiment",
            data: monitor.sentiment,
            yAxisID: "sentiment",
            borderColor: "#d4351c",
            pointRadius: 0,
            tension: 0.2,
          },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        interaction: { mode: "index", intersect: false },
        scales: {
          volume: { type: "linear", position: "left", beginAtZero: true, title: { display: true, text: "Posts" } },
          sentiment: { type: "linear", position: "right", min: -1, max: 1, grid: { drawOnChartArea: false },
            title: { display: true, text: "Sentiment" } },
        },
      },
    });
  });
})();
