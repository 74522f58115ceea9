/* Horizontal bar charts in SVG, each with the same figures as a table for screen readers and copying. */
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const ROW = 26;
  const LABEL_WIDTH = 170;
  const VALUE_WIDTH = 90;
  const WIDTH = 640;
  let figures = 0;

  function svg(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function html(name, attrs, text) {
    const node = document.createElement(name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* series: [{name, className}], rows: [{label, values: [number], shown: [string]}] */
  function bars(title, series, rows, note) {
    figures += 1;
    const id = `chart-${figures}`;
    const figure = html("figure", { class: "chart", "data-chart": title });
    figure.append(html("figcaption", { id: `${id}-title` }, title));
    if (!rows.length) {
      figure.append(html("p", { class: "muted" }, "No data for this period yet."));
      return figure;
    }
    const max = Math.max(...rows.flatMap((r) => r.values), 0) || 1;
    const band = ROW * series.length + 8;
    const height = rows.length * band + (series.length > 1 ? 24 : 4);
    const plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    const chart = svg("svg", {
      viewBox: `0 0 ${WIDTH} ${height}`,
      width: "100%",
      role: "img",
      "aria-labelledby": `${id}-title`,
      "aria-describedby": `${id}-table`,
      focusable: "false",
    });
    rows.forEach((row, i) => {
      const top = i * band;
      chart.append(svg("text", { x: LABEL_WIDTH - 8, y: top + (band - 8) / 2 + 5, "text-anchor": "end", class: "label" }, row.label));
      series.forEach((s, j) => {
        const y = top + j * ROW;
        const w = Math.max(1, (row.values[j] / max) * plot);
        const rect = svg("rect", { x: LABEL_WIDTH, y: y + 3, width: w, height: ROW - 8, class: `bar ${s.className}` });
        rect.append(svg("title", {}, `${row.label}, ${s.name}: ${row.shown[j]}`));
        chart.append(rect);
        chart.append(svg("text", { x: LABEL_WIDTH + w + 6, y: y + ROW / 2 + 4, class: "value" }, row.shown[j]));
      });
    });
    if (series.length > 1) {
      let x = LABEL_WIDTH;
      series.forEach((s) => {
        chart.append(svg("rect", { x, y: height - 16, width: 12, height: 12, class: `bar ${s.className}` }));
        chart.append(svg("text", { x: x + 16, y: height - 6, class: "legend" }, s.name));
        x += 120;
      });
    }
    figure.append(chart);
    if (note) figure.append(html("p", { class: "muted note" }, note));
    const details = html("details");
    details.append(html("summary", {}, "Figures"));
    const table = html("table", { id: `${id}-table` });
    const head = html("tr");
    head.append(html("th", { scope: "col" }, "Item"));
    series.forEach((s) => head.append(html("th", { scope: "col", class: "num" }, s.name)));
    table.appendChild(html("thead")).append(head);
    const body = table.appendChild(html("tbody"));
    rows.forEach((row) => {
      const tr = html("tr");
      tr.append(html("th", { scope: "row" }, row.label));
      row.shown.forEach((shown) => tr.append(html("td", { class: "num" }, shown)));
      body.append(tr);
    });
    details.append(table);
    figure.append(details);
    return figure;
  }

  window.Charts = { bars };
})();
