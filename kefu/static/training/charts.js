/* Training charts (vendored ECharts): a trainee's score trend, and the customer's mood in a sparring report. */
(function () {
  "use strict";
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function line(name, values, color) {
    return { name: name, type: "line", data: values, connectNulls: true, symbolSize: 6,
             lineStyle: { width: 2, color: color }, itemStyle: { color: color } };
  }
  function draw() {
    if (!window.echarts) { return; }
    var trendEl = document.getElementById("trend-chart");
    var trend = data("trend-data");
    if (trendEl && trend) {
      var t = window.echarts.init(trendEl);
      t.setOption({
        grid: { left: 36, right: 12, top: 28, bottom: 28 }, tooltip: { trigger: "axis" },
        legend: { data: [trend.names.exam, trend.names.sparring], top: 0 },
        xAxis: { type: "category", data: trend.labels }, yAxis: { type: "value", min: 0, max: 100 },
        series: [line(trend.names.exam, trend.exam, "#2563eb"), line(trend.names.sparring, trend.sparring, "#16a34a")]
      });
      window.addEventListener("resize", function () { t.resize(); });
    }
    var moodEl = document.getElementById("mood-chart");
    var mood = data("mood-data");
    if (moodEl && mood) {
      var m = window.echarts.init(moodEl);
      m.setOption({
        grid: { left: 36, right: 12, top: 28, bottom: 28 }, tooltip: { trigger: "axis" },
        legend: { data: [mood.names.anger, mood.names.patience, mood.names.trust], top: 0 },
        xAxis: { type: "category", data: mood.labels },
        yAxis: { type: "value", min: 0, max: 100 },
        series: [line(mood.names.anger, mood.anger, "#dc2626"), line(mood.names.patience, mood.patience, "#d97706"),
                 line(mood.names.trust, mood.trust, "#2563eb")]
      });
      window.addEventListener("resize", function () { m.resize(); });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
