// The command-center board's charts (/board): drawn with ECharts from the
// numbers the page carries in <script type="application/json"
// id="board-data">. On the wall screen htmx replaces #board-live every
// minute; the charts are then drawn again from the new numbers. Every
// figure is also in the page as text, so nothing here is needed to read it.
(function () {
  "use strict";

  var charts = [];

  function dispose() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
  }

  // The money axis in 万元 (元 while under 1 万); the tooltips in 元. Display
  // only: the server counts money in whole fen.
  function moneyAxis(fens) {
    var wan = Math.max.apply(null, fens.concat([0])) >= 1000000;
    return { type: "value", name: wan ? "万元" : "元", minInterval: wan ? 0 : 100, splitLine: { show: false },
      axisLabel: { formatter: function (fen) {
        return wan ? (fen / 1000000).toLocaleString("zh-CN", { maximumFractionDigits: 1 }) :
          (fen / 100).toLocaleString("zh-CN", { maximumFractionDigits: 0 });
      } } };
  }
  function yuan(fen) {
    return (fen / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " 元";
  }

  // follow opens the drill-down of the clicked point or bar.
  function follow(chart, linksOf) {
    chart.on("click", function (p) {
      var links = linksOf(p);
      var href = links && links[p.dataIndex];
      if (href) {
        window.location.href = href;
      }
    });
  }

  function drawTrend(t, theme, size, wall) {
    var el = document.getElementById("chart-trend");
    if (!el) {
      return;
    }
    var money = moneyAxis(t.recovered_fen);
    money.axisLabel.fontSize = size;
    money.nameTextStyle = { fontSize: size };
    var c = echarts.init(el, theme);
    c.setOption({
      backgroundColor: "transparent",
      animation: !wall,
      textStyle: { fontSize: size },
      // Rich text: the tooltip is drawn in the canvas, not as HTML.
      tooltip: { trigger: "axis", renderMode: "richText", textStyle: { fontSize: size } },
      legend: { top: 0, textStyle: { fontSize: size } },
      grid: { left: 8, right: 8, top: 44, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: t.days, axisLabel: { fontSize: size } },
      yAxis: [
        { type: "value", name: "件", minInterval: 1, axisLabel: { fontSize: size }, nameTextStyle: { fontSize: size } },
        money
      ],
      series: [
        { name: "收案", type: "line", data: t.received, symbolSize: 6 },
        { name: "结案", type: "line", data: t.closed, symbolSize: 6 },
        { name: "法定期限内结案", type: "line", data: t.in_term, symbolSize: 6, lineStyle: { type: "dashed" } },
        { name: "执行到位金额", type: "bar", yAxisIndex: 1, data: t.recovered_fen, barMaxWidth: 16, itemStyle: { opacity: 0.45 },
          tooltip: { valueFormatter: yuan } }
      ]
    });
    follow(c, function (p) { return p.seriesIndex === 0 ? t.received_urls : t.closed_urls; });
    charts.push(c);
  }

  function drawRanking(r, theme, size, wall) {
    var el = document.getElementById("chart-" + r.id);
    if (!el) {
      return;
    }
    el.style.height = (r.labels.length * (wall ? 44 : 30) + 24) + "px";
    var c = echarts.init(el, theme);
    c.setOption({
      backgroundColor: "transparent",
      animation: !wall,
      tooltip: { trigger: "item", renderMode: "richText", textStyle: { fontSize: size },
        formatter: function (p) { return p.name + "：" + r.texts[p.dataIndex]; } },
      grid: { left: 8, right: wall ? 200 : 120, top: 4, bottom: 4, containLabel: true },
      xAxis: { type: "value", show: false },
      yAxis: { type: "category", inverse: true, data: r.labels, axisLabel: { fontSize: size } },
      series: [{ type: "bar", data: r.values, barMaxWidth: wall ? 30 : 20,
        label: { show: true, position: "right", fontSize: size, formatter: function (p) { return r.texts[p.dataIndex]; } } }]
    });
    follow(c, function () { return r.links; });
    charts.push(c);
  }

  function draw() {
    var el = document.getElementById("board-data");
    if (!el || !window.echarts) {
      return;
    }
    var data = JSON.parse(el.textContent);
    dispose();
    var theme = data.wall ? "dark" : null;
    var size = data.wall ? 18 : 12;
    drawTrend(data.trend, theme, size, data.wall);
    data.rankings.forEach(function (r) { drawRanking(r, theme, size, data.wall); });
  }

  // Before htmx replaces the board: an answer that is not the board (the
  // session ended and the sign-in page came back) reloads the page, which
  // leads to the sign-in; otherwise the old charts go.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (!target || target.id !== "board-live" || !e.detail.shouldSwap) {
      return;
    }
    if (e.detail.xhr.responseText.indexOf('id="board-live"') < 0) {
      e.detail.shouldSwap = false;
      window.location.reload();
      return;
    }
    dispose();
  });
  document.addEventListener("htmx:load", function (e) {
    if (e.detail.elt && e.detail.elt.id === "board-live") {
      draw();
    }
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
