// Doorstep map page: pick a job, draw each volunteer's run in its own colour, click a stop.
// Everything comes from this server: Leaflet from the package, data from /v1 with the key.
(function () {
  "use strict";
  const COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4",
    "#f032e6", "#9a6324", "#469990", "#800000", "#808000", "#000075", "#bfef45", "#fabed4"];
  const CREDIT = "© OpenStreetMap contributors";
  const state = { key: "", map: null, layers: null, streets: null, streetsOf: "", tiles: null,
    routes: 0, stops: 0, job: "", ready: false };
  window.doorstep = state;

  const $ = (id) => document.getElementById(id);
  const status = (text) => { $("status").textContent = text; };
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;",
    ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  function params() {
    const out = {};
    for (const part of location.hash.replace(/^#/, "").split("&")) {
      const [k, v] = part.split("=");
      if (k) out[decodeURIComponent(k)] = decodeURIComponent(v || "");
    }
    return out;
  }

  async function api(path) {
    const res = await fetch(path, { headers: { Authorization: "Bearer " + state.key } });
    const text = await res.text();
    let body = null;
    try { body = JSON.parse(text); } catch (e) { body = null; }
    if (!res.ok) {
      const msg = body && body.message ? body.code + ": " + body.message : res.statusText;
      throw new Error(msg);
    }
    return body;
  }

  function initMap(config) {
    const map = L.map("map", { preferCanvas: false });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(CREDIT);
    map.setView([60.17, 24.94], 14);
    state.map = map;
    state.layers = L.layerGroup().addTo(map);
    if (config.tiles) {
      let loaded = false;
      const tiles = L.tileLayer(config.tiles, { maxZoom: 19, attribution: CREDIT });
      tiles.on("tileload", () => { loaded = true; });
      tiles.on("tileerror", () => {
        if (!loaded && state.tiles) {  // tiles unreachable: streets of the loaded map instead
          map.removeLayer(state.tiles);
          state.tiles = null;
          if (state.streetsOf) drawStreets(state.streetsOf, true);
        }
      });
      tiles.addTo(map);
      state.tiles = tiles;
    }
  }

  async function drawStreets(mapName, force) {
    if (state.tiles && !force) return;
    if (state.streets && state.streets.mapName === mapName) return;
    const data = await api("/v1/maps/" + encodeURIComponent(mapName) + "/streets.geojson");
    if (state.streets) state.map.removeLayer(state.streets);
    state.streets = L.geoJSON(data, { interactive: false,
      style: { color: "#9a9a9a", weight: 1, opacity: 0.8, className: "doorstep-street" } });
    state.streets.mapName = mapName;
    state.streets.addTo(state.map);
    state.streets.bringToBack();
  }

  function itemsOf(stop) {
    const rows = [];
    for (const line of stop.lines || []) {
      const items = (line.items || []).map((i) => esc(i.label || i.kind) + " (" + i.kg + " kg)");
      rows.push("<tr><td>" + esc(line.household_id) + "</td><td>" + items.join(", ") + "</td></tr>");
    }
    return rows.join("");
  }

  function popup(route, stop, seq) {
    return '<div class="stop-popup"><b>Stop ' + seq + " of " + esc(route.volunteer_id) + "</b><br>" +
      "Households: <span class=\"households\">" + esc(stop.household_ids.join(", ")) + "</span><br>" +
      "ETA: <span class=\"eta\">" + esc(stop.arrival) + "</span>" +
      (stop.eta_window ? " (window " + esc(stop.eta_window[0]) + "–" + esc(stop.eta_window[1]) + ")" : "") +
      "<table>" + itemsOf(stop) + "</table></div>";
  }

  function linesOf(geojson, vid) {
    // Every trip of the run: one MultiLineString feature each.
    const lines = [];
    for (const f of geojson.features || []) {
      const p = f.properties || {};
      if (p.volunteer_id === vid && f.geometry && f.geometry.type === "MultiLineString") {
        for (const line of f.geometry.coordinates) lines.push(line.map((c) => [c[1], c[0]]));
      }
    }
    return lines.length ? lines : null;
  }

  function deliveries(route) {
    return route.stops.filter((s) => (s.kind || "delivery") === "delivery");
  }

  async function showJob(jobId) {
    state.layers.clearLayers();
    state.routes = 0; state.stops = 0; state.ready = false; state.job = jobId;
    if (!jobId) return;
    status("loading " + jobId + "…");
    const job = await api("/v1/jobs/" + jobId);
    if (job.status !== "done") { status("job is " + job.status); return; }
    state.streetsOf = job.map;
    const [plan, geo] = await Promise.all([
      api("/v1/jobs/" + jobId + "/plan"), api("/v1/jobs/" + jobId + "/routes.geojson")]);
    if (!state.tiles) await drawStreets(job.map, false);
    const bounds = L.latLngBounds([]);
    const legend = [];
    plan.routes.filter((route) => deliveries(route).length).forEach((route, k) => {
      const colour = COLOURS[k % COLOURS.length];
      let latlngs = linesOf(geo, route.volunteer_id);
      if (!latlngs) {
        const pts = [[route.start.lat, route.start.lon]].concat(route.stops.map((s) => [s.lat, s.lon]));
        latlngs = [pts];
      }
      const line = L.polyline(latlngs, { color: colour, weight: 4, opacity: 0.85,
        className: "doorstep-route route-" + k });
      line.bindTooltip(route.volunteer_id + " (" + route.mode + ")");
      line.addTo(state.layers);
      bounds.extend(line.getBounds());
      state.routes += 1;
      deliveries(route).forEach((stop, i) => {
        const m = L.circleMarker([stop.lat, stop.lon], { radius: 7, color: "#222", weight: 1,
          fillColor: colour, fillOpacity: 1, className: "doorstep-stop stop-" + k + "-" + i });
        m.bindPopup(popup(route, stop, i + 1));
        m.addTo(state.layers);
        bounds.extend(m.getLatLng());
        state.stops += 1;
      });
      legend.push('<div><span class="swatch" style="background:' + colour + '"></span>' +
        esc(route.volunteer_id) + " · " + esc(route.mode) + " · " + deliveries(route).length + " stops</div>");
    });
    const missing = plan.unassigned.length;
    legend.push("<p>" + missing + " household(s) not served" + (missing ? ":" : "") + "</p>");
    for (const u of plan.unassigned) legend.push("<div>" + esc(u.household_id) + ": " + esc(u.reason) + "</div>");
    $("legend").innerHTML = legend.join("");
    if (bounds.isValid()) state.map.fitBounds(bounds.pad(0.1));
    status(plan.date + ": " + plan.routes.length + " runs, " + state.stops + " stops");
    state.ready = true;
  }

  async function loadJobs(selected) {
    const data = await api("/v1/jobs?status=done&limit=100");
    const sel = $("jobs");
    sel.innerHTML = '<option value="">(pick a job)</option>' + data.jobs.map((j) =>
      '<option value="' + esc(j.id) + '">' + esc(j.date + " · " + j.map + " · " + j.households +
      " households · " + j.id.slice(0, 8)) + "</option>").join("");
    if (selected) sel.value = selected;
    if (sel.value) await showJob(sel.value);
  }

  async function start() {
    const config = await (await fetch("/ui/config.json")).json();
    initMap(config);
    const p = params();
    state.key = p.key || sessionStorage.getItem("doorstep-key") || "";
    $("key").value = state.key;
    $("keyform").addEventListener("submit", (ev) => {
      ev.preventDefault();
      state.key = $("key").value.trim();
      sessionStorage.setItem("doorstep-key", state.key);
      loadJobs("").catch((e) => status(e.message));
    });
    $("jobs").addEventListener("change", (ev) => {
      showJob(ev.target.value).catch((e) => status(e.message));
    });
    if (state.key) {
      sessionStorage.setItem("doorstep-key", state.key);
      await loadJobs(p.job || "");
    } else {
      status("enter an API key to see the jobs");
    }
  }

  start().catch((e) => status(e.message));
})();
