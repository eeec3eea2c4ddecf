// The monitoring pages' charts (预警看板, 双监控): a separate bundle, loaded only by the pages that
// draw charts, so every other page keeps its small app.js. Each <div class="chart" data-chart="…">
// carries its data as JSON (no inline script: the CSP allows none); only the parts of ECharts we
// use are bundled (tree-shaken core + line/bar + canvas renderer).
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

function option(data) {
  const bars = data.kind === "bars";
  return {
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : bars ? `${v}` : `${v}%`) },
    legend: { type: "scroll", top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.categories, boundaryGap: bars },
    yAxis: bars ? { type: "value", minInterval: 1 } : { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: data.series.map((s) => ({
      name: s.name,
      type: bars ? "bar" : "line",
      stack: bars ? "warnings" : undefined,
      data: s.data,
      connectNulls: false,
      showSymbol: !bars,
      itemStyle: s.color ? { color: s.color } : undefined,
      lineStyle: s.dashed ? { type: "dashed", width: 2 } : undefined,
    })),
  };
}

const charts = [];
document.querySelectorAll(".chart[data-chart]").forEach((el) => {
  let data;
  try {
    data = JSON.parse(el.dataset.chart);
  } catch {
    return;
  }
  const chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption(option(data));
  charts.push(chart);
});
window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
