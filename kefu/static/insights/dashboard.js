/* The complaint dashboard's charts (ECharts, vendored). Every bar opens the complaints behind it. */
(function () {
  "use strict";
  function bar(el, d, pareto) {
    var chart = window.echarts.init(el);
    var series = [
      { name: el.getAttribute("data-now") || "", type: "bar", data: d.values, itemStyle: { color: "#2563eb" }, cursor: "pointer" }
    ];
    var yAxis = [{ type: "value", minInterval: 1 }];
    if (pareto && d.cumulative && d.cumulative.length) {
      yAxis.push({ type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } });
      series.push({ type: "line", yAxisIndex: 1, data: d.cumulative, symbolSize: 5, itemStyle: { color: "#dc2626" } });
    }
    chart.setOption({
      grid: { left: 44, right: pareto ? 44 : 16, top: 16, bottom: 64 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: d.labels.length > 6 ? 30 : 0 } },
      yAxis: yAxis,
      series: series
    });
    chart.on("click", function (params) {
      var url = d.drill && d.drill[params.dataIndex];
      if (url) { window.location.href = url; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function draw() {
    var data = document.getElementById("insight-charts");
    if (!data || !window.echarts) { return; }
    var charts = JSON.parse(data.textContent);
    var trend = document.querySelector('[data-chart="trend"]');
    if (trend) { bar(trend, charts.trend, false); }
    charts.dims.forEach(function (d) {
      var el = document.querySelector('[data-chart="' + d.dim + '"]');
      if (el) { bar(el, d, d.dim === "cause"); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
