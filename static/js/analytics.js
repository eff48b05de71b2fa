// Own posts' figures: charts from the figures the page embeds with json_script. The table beside each chart
// carries the same figures for anyone without JavaScript or using a screen reader.
(function () {
  "use strict";
  var source = document.getElementById("analytics-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = ["#1d70b8", "#00703c", "#4c2c92", "#f47738", "#d4351c"];
  Object.keys(data).forEach(function (key) {
    var canvas = document.querySelector('canvas[data-analytics-chart="' + key + '"]');
    var chart = data[key];
    if (!canvas || !chart.labels.length) {
      return;
    }
    // Impressions run to thousands where the rest run to tens: they get the left axis, the rest the right one.
    var datasets = Object.keys(chart.series).map(function (name, i) {
      var first = i === 0;
      return {
        label: name,
        data: chart.series[name],
        type: first ? "bar" : "line",
        yAxisID: first ? "y" : "y1",
        backgroundColor: colours[i % colours.length],
        borderColor: colours[i % colours.length],
        order: first ? 2 : 1,
      };
    });
    new window.Chart(canvas, {
      data: { labels: chart.labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: true,
        scales: {
          y: { beginAtZero: true, position: "left", title: { display: true, text: "Impressions" } },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "Engagement" } },
        },
      },
    });
  });
})();
