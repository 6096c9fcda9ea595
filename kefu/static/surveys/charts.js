/* Survey charts (ECharts, vendored): weekly CSAT and NPS; SERVQUAL gaps per dimension with 95% intervals. */
(function () {
  "use strict";
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function trend() {
    var el = document.getElementById("survey-trend");
    var d = data("survey-trend-data");
    if (!el || !d || !window.echarts) { return; }
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: { left: 40, right: 48, top: 32, bottom: 28 },
      tooltip: { trigger: "axis" },
      legend: { data: ["CSAT", "NPS"], top: 0 },
      xAxis: { type: "category", data: d.weeks },
      yAxis: [{ type: "value", min: 1, max: 5, name: "CSAT" }, { type: "value", min: -100, max: 100, name: "NPS" }],
      series: [
        { name: "CSAT", type: "line", data: d.csat, symbolSize: 6, itemStyle: { color: "#2563eb" } },
        { name: "NPS", type: "bar", yAxisIndex: 1, data: d.nps, itemStyle: { color: "rgba(22, 163, 74, 0.35)" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function servqual() {
    var el = document.getElementById("servqual-chart");
    var d = data("servqual-data");
    if (!el || !d || !window.echarts) { return; }
    var chart = window.echarts.init(el);
    var whiskers = d.labels.map(function (_label, i) { return [i, d.low[i], d.high[i]]; });
    chart.setOption({
      grid: { left: 48, right: 16, top: 16, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value" },
      series: [
        { type: "bar", data: d.mean, itemStyle: { color: function (p) { return p.value < 0 ? "#dc2626" : "#16a34a"; } } },
        { type: "custom", data: whiskers, silent: true, z: 10,
          renderItem: function (params, api) {
            if (api.value(1) === null || api.value(2) === null || isNaN(api.value(1))) { return null; }
            var low = api.coord([api.value(0), api.value(1)]);
            var high = api.coord([api.value(0), api.value(2)]);
            var w = 8;
            var style = { stroke: "#111827", lineWidth: 1.5 };
            return { type: "group", children: [
              { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: style },
              { type: "line", shape: { x1: low[0] - w, y1: low[1], x2: low[0] + w, y2: low[1] }, style: style },
              { type: "line", shape: { x1: high[0] - w, y1: high[1], x2: high[0] + w, y2: high[1] }, style: style }
            ] };
          } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function draw() { trend(); servqual(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
