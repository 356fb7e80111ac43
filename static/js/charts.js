// Draws the client overview charts from the progress JSON route each holder names (CSP-clean: no inline script, no eval).
(function () {
  "use strict";

  const BAND_FILL = {
    minimal: "rgba(30, 122, 70, 0.10)",
    mild: "rgba(240, 180, 0, 0.12)",
    moderate: "rgba(230, 120, 0, 0.14)",
    moderately_severe: "rgba(200, 60, 30, 0.14)",
    severe: "rgba(179, 38, 30, 0.20)",
  };
  const LINE = "#0b5cad";
  const DAY_FORMAT = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

  // "2026-10-12" -> "Oct 12": dates are program-local days, so format them as plain dates.
  function dayLabel(iso) {
    return DAY_FORMAT.format(new Date(iso + "T00:00:00Z"));
  }
  const MUTED = "#5f6b7a";

  // Severity bands drawn behind the line, so a score reads against its published range.
  const severityBands = {
    id: "severityBands",
    beforeDatasetsDraw(chart, _args, options) {
      const bands = options.bands || [];
      const { ctx, chartArea, scales } = chart;
      if (!bands.length || !chartArea) return;
      ctx.save();
      bands.forEach(function (band, index) {
        const top = scales.y.getPixelForValue(band.high + 0.5);
        const bottom = scales.y.getPixelForValue(band.low - 0.5);
        ctx.fillStyle = BAND_FILL[band.key] || (index % 2 ? "rgba(95,107,122,0.08)" : "rgba(95,107,122,0.04)");
        ctx.fillRect(chartArea.left, Math.max(top, chartArea.top), chartArea.width,
          Math.min(bottom, chartArea.bottom) - Math.max(top, chartArea.top));
      });
      ctx.restore();
    },
  };

  // Level-of-care decisions as dashed lines on the time axis, placed by date between the labelled points.
  const DECISION_WORDS = { continue: "Continue", step_down: "Step down", step_up: "Step up", discharge: "Discharge" };
  function dayNumber(iso) { return Date.parse(iso + "T00:00:00Z") / 86400000; }

  function markerIndex(days, day) {
    if (!days.length) return null;
    if (day <= days[0]) return 0;
    for (let i = 0; i < days.length - 1; i += 1) {
      if (day < days[i + 1]) return i + (day - days[i]) / (days[i + 1] - days[i]);
    }
    return days.length - 1;
  }

  function markersFor(decisions, days) {
    return (decisions || []).map(function (d) {
      return { index: markerIndex(days, dayNumber(d.effective_on)), label: DECISION_WORDS[d.decision] || d.decision };
    }).filter(function (m) { return m.index !== null; });
  }

  const decisionMarkers = {
    id: "decisionMarkers",
    afterDatasetsDraw(chart, _args, options) {
      const markers = options.markers || [];
      const { ctx, chartArea, scales } = chart;
      if (!markers.length || !chartArea) return;
      ctx.save();
      ctx.strokeStyle = "#4b2a85";
      ctx.fillStyle = "#4b2a85";
      ctx.setLineDash([5, 4]);
      ctx.font = "12px sans-serif";
      markers.forEach(function (marker) {
        const low = Math.floor(marker.index);
        const high = Math.min(Math.ceil(marker.index), chart.data.labels.length - 1);
        const left = scales.x.getPixelForValue(low);
        const x = left + (scales.x.getPixelForValue(high) - left) * (marker.index - low);
        ctx.beginPath();
        ctx.moveTo(x, chartArea.top);
        ctx.lineTo(x, chartArea.bottom);
        ctx.stroke();
        ctx.fillText(marker.label, Math.min(x + 3, chartArea.right - 60), chartArea.top + 12);
      });
      ctx.restore();
    },
  };

  function pointStyle(score) {
    if (score.reliable_change === "improvement") return { style: "triangle", color: "#1e7a46", radius: 7 };
    if (score.reliable_change === "deterioration") return { style: "rectRot", color: "#b3261e", radius: 7 };
    return { style: "circle", color: LINE, radius: 4 };
  }

  function instrumentChart(canvas, instrument, decisions) {
    const styles = instrument.scores.map(pointStyle);
    const markers = markersFor(decisions, instrument.scores.map(function (s) { return dayNumber(s.date); }));
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: instrument.scores.map(function (s) { return dayLabel(s.date); }),
        datasets: [{
          label: instrument.name,
          data: instrument.scores.map(function (s) { return s.total; }),
          borderColor: LINE,
          pointStyle: styles.map(function (s) { return s.style; }),
          pointBackgroundColor: styles.map(function (s) { return s.color; }),
          pointBorderColor: styles.map(function (s) { return s.color; }),
          pointRadius: styles.map(function (s) { return s.radius; }),
          clip: false, // a point at the scale's maximum is drawn whole, not cut at the chart's edge
        }],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        layout: { padding: { top: 8 } },
        // includeBounds: false keeps a "not nice" maximum (27) from printing over the tick beside it (25).
        scales: { y: { min: instrument.min_total, max: instrument.max_total, ticks: { includeBounds: false },
          title: { display: true, text: "Total" } } },
        plugins: {
          legend: { display: false },
          severityBands: { bands: instrument.bands },
          decisionMarkers: { markers: markers },
        },
      },
      plugins: [severityBands, decisionMarkers],
    });
  }

  function weeklyChart(canvas, data, kind) {
    const labels = data.weeks.map(function (w) {
      return "Week of " + dayLabel(w.week_start) + (w.in_progress ? " (so far)" : "");
    });
    let datasets;
    let y;
    if (kind === "hours") {
      datasets = [
        { type: "bar", label: "Hours attended", data: data.weeks.map(function (w) { return w.attended_hours; }),
          // The running week is grey: its hours so far are not a missed minimum.
          backgroundColor: data.weeks.map(function (w) {
            return w.meets_minimum ? "#1e7a46" : w.in_progress ? "#9aa5b1" : "#e07b00";
          }) },
        { type: "line", label: "Program minimum", data: data.weeks.map(function () { return data.min_weekly_hours; }),
          borderColor: MUTED, borderDash: [6, 4], pointRadius: 0 },
      ];
      y = { min: 0, title: { display: true, text: "Hours" } };
    } else if (kind === "participation") {
      datasets = [{ label: "Mean participation", data: data.weeks.map(function (w) { return w.mean_participation; }),
        borderColor: LINE, spanGaps: true }];
      y = { min: 1, max: 5, ticks: { stepSize: 1 }, title: { display: true, text: "Rating 1–5" } };
    } else {
      const threshold = Math.round(data.adherent_threshold * 100);
      datasets = [
        { label: "Dose-log adherence", borderColor: LINE, spanGaps: true,
          data: data.weeks.map(function (w) { return w.adherence === null ? null : Math.round(w.adherence * 100); }) },
        { label: "Adherent (" + threshold + " %)", data: data.weeks.map(function () { return threshold; }),
          borderColor: MUTED, borderDash: [6, 4], pointRadius: 0 },
      ];
      y = { min: 0, max: 100, title: { display: true, text: "%" } };
    }
    return new Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: y },
        plugins: { decisionMarkers: { markers: markersFor(data.decisions, data.weeks.map(function (w) { return dayNumber(w.week_start); })) } },
      },
      plugins: [decisionMarkers],
    });
  }

  function drawInto(holder, data) {
    holder.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      const existing = Chart.getChart(canvas);
      if (existing) existing.destroy();
      const kind = canvas.dataset.chart;
      if (kind === "instrument") {
        const instrument = data.instruments.find(function (i) { return i.key === canvas.dataset.key; });
        if (instrument) instrumentChart(canvas, instrument, data.decisions);
      } else {
        weeklyChart(canvas, data, kind);
      }
      canvas.dataset.drawn = "true";
    });
  }

  // The data comes from the progress JSON route named on the holder (same access rules as the page).
  function drawCharts(root) {
    if (!root.querySelectorAll) return;
    const holders = Array.from(root.querySelectorAll("[data-progress-url]"));
    if (root.matches && root.matches("[data-progress-url]")) holders.push(root);
    holders.forEach(function (holder) {
      fetch(holder.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (data) { drawInto(holder, data); })
        .catch(function () { holder.classList.add("charts-unavailable"); });
    });
  }

  // The client's own check-ins (the Self-reports tab): the 0-10 scales on the left axis, sleep hours on the right.
  const SELF_REPORT_LINES = [
    { key: "mood", label: "Mood", color: "#1e7a46", axis: "y" },
    { key: "anxiety", label: "Anxiety", color: "#b35c00", axis: "y", dash: [6, 3] },
    { key: "cravings", label: "Cravings", color: "#b3261e", axis: "y", dash: [2, 3] },
    { key: "sleep_hours", label: "Sleep (hours)", color: LINE, axis: "hours" },
  ];

  function selfReportChart(canvas, data) {
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: data.days.map(dayLabel),
        datasets: SELF_REPORT_LINES.map(function (line) {
          return { label: line.label, data: data.series[line.key] || [], borderColor: line.color,
            backgroundColor: line.color, borderDash: line.dash || [], yAxisID: line.axis, spanGaps: false };
        }),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          y: { min: 0, max: 10, ticks: { stepSize: 2 }, title: { display: true, text: "0–10" } },
          hours: { position: "right", min: 0, max: 12, grid: { drawOnChartArea: false }, title: { display: true, text: "Hours" } },
        },
      },
    });
  }

  // The wearable's days beside the check-ins: sleep reported and recorded on one hours axis; resting heart
  // rate and HRV on the left, steps (thousands) on the right. Days without data leave gaps.
  function line(label, values, color, axis, dash) {
    return { label: label, data: values || [], borderColor: color, backgroundColor: color, borderDash: dash || [],
      yAxisID: axis, spanGaps: false };
  }

  function wearableSleepChart(canvas, data) {
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: data.days.map(dayLabel),
        datasets: [
          line("Sleep, check-in (hours)", data.series.sleep_hours, LINE, "hours"),
          line("Sleep, wearable (hours)", data.series.wearable_sleep_hours, "#1e7a46", "hours", [6, 3]),
        ],
      },
      options: { animation: false, maintainAspectRatio: false,
        scales: { hours: { min: 0, max: 12, title: { display: true, text: "Hours" } } } },
    });
  }

  function wearableHeartChart(canvas, data) {
    const steps = (data.series.steps || []).map(function (value) { return value === null ? null : value / 1000; });
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: data.days.map(dayLabel),
        datasets: [
          line("Resting heart rate (bpm)", data.series.resting_hr, "#b3261e", "y"),
          line("HRV (ms)", data.series.hrv_ms, "#1e7a46", "y", [6, 3]),
          line("Steps (thousands)", steps, LINE, "steps", [2, 3]),
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          y: { min: 0, title: { display: true, text: "bpm / ms" } },
          steps: { position: "right", min: 0, grid: { drawOnChartArea: false }, title: { display: true, text: "Steps (thousands)" } },
        },
      },
    });
  }

  const SELF_REPORT_CHARTS = { self_reports: selfReportChart, wearable_sleep: wearableSleepChart, wearable_heart: wearableHeartChart };

  function drawSelfReports(root) {
    if (!root.querySelectorAll) return;
    const holders = Array.from(root.querySelectorAll("[data-self-report-url]"));
    if (root.matches && root.matches("[data-self-report-url]")) holders.push(root);
    holders.forEach(function (holder) {
      fetch(holder.dataset.selfReportUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (data) {
          holder.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
            const draw = SELF_REPORT_CHARTS[canvas.dataset.chart];
            if (!draw) return;
            const existing = Chart.getChart(canvas);
            if (existing) existing.destroy();
            draw(canvas, data);
            canvas.dataset.drawn = "true";
          });
        })
        .catch(function () { holder.classList.add("charts-unavailable"); });
    });
  }

  htmx.onLoad(drawCharts);
  htmx.onLoad(drawSelfReports);
  // The back button restores a page from the server without htmx:load on its content.
  document.addEventListener("htmx:historyRestore", function () { drawCharts(document.body); drawSelfReports(document.body); });
})();
