/* The quality report's trend chart (ECharts, vendored): the weekly average and its 95% band. */
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("trend-chart");
    var data = document.getElementById("trend-data");
    if (!el || !data || !window.echarts) { return; }
    var d = JSON.parse(data.textContent);
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: { left: 40, right: 16, top: 16, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: d.weeks },
      yAxis: { type: "value", min: 0, max: 100 },
      series: [
        { type: "line", data: d.low, stack: "band", lineStyle: { opacity: 0 }, symbol: "none", silent: true },
        { type: "line", data: d.band, stack: "band", lineStyle: { opacity: 0 }, symbol: "none", silent: true,
          areaStyle: { color: "rgba(37, 99, 235, 0.15)" } },
        { type: "line", data: d.mean, symbolSize: 6, lineStyle: { width: 2, color: "#2563eb" },
          itemStyle: { color: "#2563eb" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
