// Draws the board's charts from the numbers the server embedded, and swaps in a fresh board (rendered by the server)
// whenever /experiments/{id}/changes reports a change.
"use strict";

const palette = ["#2166ac", "#b2182b", "#1a9850", "#762a83", "#e08214", "#35978f", "#c51b7d", "#4d4d4d",
  "#8c510a", "#5aae61", "#9970ab", "#d6604d"];
const charts = {};
// the method the loss chart shows ("" for every one); kept when the board is re-rendered
let lossMethod = "";

function boardData() {
  const el = document.getElementById("board-data");
  return el ? JSON.parse(el.textContent) : { curves: [], accuracyVsParams: [] };
}

function draw() {
  Object.values(charts).forEach(c => c.destroy());
  const data = boardData();
  const loss = document.getElementById("loss-chart");
  if (loss && typeof Chart !== "undefined") {
    const filter = document.getElementById("loss-method");
    if (filter) {
      const methods = [...new Set(data.curves.map(c => c.variant).filter(v => v))].sort();
      filter.replaceChildren(new Option("every method", ""), ...methods.map(m => new Option(m, m)));
      filter.value = methods.includes(lossMethod) ? lossMethod : "";
      filter.onchange = () => {
        lossMethod = filter.value;
        draw();
      };
    }
    // a multi-task run's loss sums one loss per task: per task, every run's curve is on one scale
    const shown = data.curves.filter(c => !lossMethod || c.variant === lossMethod);
    const datasets = shown.map((c, i) => ({
      label: c.label + (c.tasks > 1 ? " (÷" + c.tasks + ")" : ""),
      data: c.points.map(p => ({ x: p.step, y: p.loss / (c.tasks || 1) })),
      borderColor: palette[i % palette.length],
      backgroundColor: palette[i % palette.length],
      pointRadius: c.points.length > 60 ? 0 : 2,
      borderWidth: 1.5,
    }));
    // the guide line: a run whose curve stays at or above it learned nothing a uniform guess does not know
    const steps = shown.flatMap(c => c.points.map(p => p.step));
    if (data.uniformLoss != null && steps.length > 0) {
      datasets.push({
        label: "uniform guess (ln C = " + data.uniformLoss.toFixed(2) + ")", guide: true,
        data: [{ x: Math.min(...steps), y: data.uniformLoss }, { x: Math.max(...steps), y: data.uniformLoss }],
        borderColor: "#98a2b3", backgroundColor: "#98a2b3", borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5,
      });
    }
    charts.loss = new Chart(loss, {
      type: "line",
      data: { datasets },
      options: {
        animation: false, maintainAspectRatio: false, parsing: false,
        scales: { x: { type: "linear", title: { display: true, text: "step" } },
                  y: { title: { display: true, text: "loss per task (a run's summed loss ÷ its tasks)" } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 10, font: { size: 10 } } } },
      },
    });
  }
  const grad = document.getElementById("grad-chart");
  if (grad && typeof Chart !== "undefined") {
    // the norm before clipping spans decades (a confident wrong start, then small steps): a log axis shows both
    const shown = data.curves.filter(c => (!lossMethod || c.variant === lossMethod)
      && c.points.some(p => p.gradNorm > 0));
    charts.grad = new Chart(grad, {
      type: "line",
      data: {
        datasets: shown.map((c, i) => {
          const points = c.points.filter(p => p.gradNorm > 0);
          return {
            label: c.label,
            data: points.map(p => ({ x: p.step, y: p.gradNorm, clipped: p.gradClipped === true,
                                     share: p.epochClippedShare })),
            borderColor: palette[i % palette.length],
            backgroundColor: palette[i % palette.length],
            pointStyle: points.map(p => p.gradClipped === true ? "triangle" : "circle"),
            pointRadius: points.map(p => p.gradClipped === true ? 4 : (points.length > 60 ? 0 : 2)),
            borderWidth: 1.5,
          };
        }),
      },
      options: {
        animation: false, maintainAspectRatio: false, parsing: false,
        scales: { x: { type: "linear", title: { display: true, text: "step" } },
                  y: { type: "logarithmic", title: { display: true, text: "global L2 norm of the update's gradient" } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 10, font: { size: 10 } } },
                   tooltip: { callbacks: { label: ctx => ctx.dataset.label + ": " + ctx.parsed.y.toFixed(2)
                     + (ctx.raw.clipped ? " (clipped)" : "")
                     + (typeof ctx.raw.share === "number"
                       ? "; " + Math.round(100 * ctx.raw.share) + " % of the epoch so far clipped" : "") } } },
      },
    });
  }
  const params = document.getElementById("params-chart");
  if (params && typeof Chart !== "undefined") {
    charts.params = new Chart(params, {
      type: "scatter",
      data: {
        datasets: data.accuracyVsParams.map((p, i) => ({
          label: p.method,
          // a log axis has no 0: zero-shot's point stands at 1, its tooltip says 0
          data: [{ x: Math.max(p.params, 1), y: p.accuracy, params: p.params }],
          borderColor: palette[i % palette.length],
          backgroundColor: palette[i % palette.length],
          pointRadius: 6,
        })),
      },
      options: {
        animation: false, maintainAspectRatio: false, parsing: false,
        scales: { x: { type: "logarithmic", title: { display: true, text: "trainable parameters" },
                       // powers of ten only (1, 10, 100, 1k ... 1M): the axis's other ticks overlap
                       ticks: { maxRotation: 0, autoSkip: false, callback: v => powerOfTen(v) } },
                  y: { title: { display: true, text: "mean accuracy (%)" } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 10, font: { size: 10 } } },
                   tooltip: { callbacks: { label: ctx => ctx.dataset.label + ": " + ctx.parsed.y.toFixed(2)
                     + "% at " + ctx.raw.params.toLocaleString() + " parameters" } } },
      },
    });
  }
  const select = document.getElementById("run-select");
  if (select) {
    select.addEventListener("change", () => {
      document.getElementById("board").dataset.run = select.value;
      history.replaceState(null, "", "/?experiment=" + encodeURIComponent(experiment()) + "&run="
        + encodeURIComponent(select.value));
      refresh();
    });
  }
}

/** A tick's label where the value is a power of ten ("1", "100", "10k", "1M"), else none. */
function powerOfTen(v) {
  const exponent = Math.log10(v);
  if (Math.abs(exponent - Math.round(exponent)) > 1e-9) {
    return "";
  }
  const e = Math.round(exponent);
  return e >= 6 ? 10 ** (e - 6) + "M" : e >= 3 ? 10 ** (e - 3) + "k" : String(10 ** e);
}

function experiment() {
  return document.getElementById("board").dataset.experiment;
}

let refreshing = false;
async function refresh() {
  if (refreshing) {
    return;
  }
  refreshing = true;
  try {
    const board = document.getElementById("board");
    const url = "/?fragment=board&experiment=" + encodeURIComponent(experiment())
      + (board.dataset.run ? "&run=" + encodeURIComponent(board.dataset.run) : "");
    const response = await fetch(url, { headers: { Accept: "text/html" } });
    if (response.ok) {
      board.innerHTML = await response.text();
      board.dataset.refreshes = (Number(board.dataset.refreshes) || 0) + 1;
      draw();
    }
  } finally {
    refreshing = false;
  }
}

function follow() {
  const board = document.getElementById("board");
  if (!board || !board.dataset.experiment || typeof EventSource === "undefined") {
    return;
  }
  const live = document.getElementById("live");
  const source = new EventSource("/experiments/" + encodeURIComponent(board.dataset.experiment) + "/changes");
  // the first event comes at once: it may already be newer than the page, so every event refreshes the board
  source.addEventListener("change", () => {
    live.classList.add("on");
    refresh();
  });
  source.onerror = () => live.classList.remove("on");
}

document.addEventListener("DOMContentLoaded", () => {
  draw();
  follow();
});
