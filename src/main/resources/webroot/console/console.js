// Kapacity console: the only script of the pages (the Content-Security-Policy forbids inline code).
(function () {
  "use strict";

  function drawChart(el) {
    if (el.dataset.drawn === "1" || typeof uPlot === "undefined") {
      return;
    }
    el.dataset.drawn = "1";
    var d;
    try {
      d = JSON.parse(el.getAttribute("data-chart"));
    } catch (e) {
      el.textContent = "chart data unreadable";
      return;
    }
    if (!d.t || d.t.length === 0) {
      el.textContent = "No samples yet: the chart fills as the IHPA and its ReplicaProfile change.";
      el.classList.add("muted");
      return;
    }
    var t = d.t.slice(), desired = d.desired.slice(), online = d.online.slice(), current = d.current.slice();
    // the values hold until now (the controller's clock when the page was made): draw them up to it
    var last = t.length - 1;
    if (typeof d.now === "number" && d.now > t[last]) {
      t.push(d.now);
      desired.push(desired[last]);
      online.push(online[last]);
      current.push(current[last]);
    }
    var width = Math.max(260, Math.min(el.clientWidth || 900, 1100));
    var opts = {
      width: width,
      height: 260,
      // the console prints every instant in UTC (RFC 3339), so the axis does too
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); },
      scales: {
        // samples close together (always, under the sandbox's manual clock) still get a readable axis
        x: { time: true, auto: false, range: xRange(t) },
        y: { range: function (u, min, max) { return [0, Math.max(1, max + 1)]; } }
      },
      series: [
        {},
        { label: "desired (portrait)", stroke: "#1f6feb", width: 2, paths: uPlot.paths.stepped({ align: 1 }) },
        { label: "online (profile spec)", stroke: "#2da44e", width: 2, paths: uPlot.paths.stepped({ align: 1 }) },
        { label: "online (profile status)", stroke: "#bf8700", width: 1, dash: [6, 4], paths: uPlot.paths.stepped({ align: 1 }) }
      ],
      axes: [{}, { label: "replicas" }]
    };
    new uPlot(opts, [t, desired, online, current], el);
  }

  function xRange(t) {
    var lo = Math.min.apply(null, t), hi = Math.max.apply(null, t);
    return hi - lo < 600 ? [lo - 300, hi + 300] : [lo, hi];
  }

  function trim(id, max) {
    var el = document.getElementById(id);
    while (el && el.children.length > max) {
      el.removeChild(el.lastElementChild);
    }
  }

  htmx.onLoad(function (root) {
    var charts = root.querySelectorAll ? root.querySelectorAll(".chart[data-chart]") : [];
    for (var i = 0; i < charts.length; i++) {
      drawChart(charts[i]);
    }
    if (root.matches && root.matches(".chart[data-chart]")) {
      drawChart(root);
    }
  });

  document.addEventListener("htmx:sseMessage", function () {
    trim("log", 50);
    trim("events", 200);
    trim("history", 200);
  });

  document.addEventListener("htmx:sseOpen", function () {
    document.body.classList.remove("disconnected");
    document.body.classList.add("live");
  });
  document.addEventListener("htmx:sseError", function () {
    document.body.classList.add("disconnected");
  });
})();
