// Doorstep map page: pick a job, draw each volunteer's run in its own colour, click a stop;
// place a household by clicking where its door is (the day is planned again as a new job).
// Everything comes from this server: Leaflet from the package, data from /v1 with the key,
// words from the page (the catalogs, in the reader's language).
(function () {
  "use strict";
  const COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4",
    "#f032e6", "#9a6324", "#469990", "#800000", "#808000", "#000075", "#bfef45", "#fabed4"];
  const TEXTS = JSON.parse(document.getElementById("texts").textContent);
  // A text of the page with its %(name)s fields filled.
  const T = (key, values) => (TEXTS[key] || key).replace(/%\((\w+)\)s/g,
    (m, name) => (values && name in values ? String(values[name]) : m));
  const CREDIT = T("credit");
  const state = { key: "", map: null, layers: null, streets: null, streetsOf: "", tiles: null,
    routes: 0, stops: 0, job: "", ready: false, placing: "", marker: null };
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

  async function api(path, payload, withVersion) {
    const init = { headers: { Authorization: "Bearer " + state.key } };
    if (payload !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    const res = await fetch(path, init);
    const text = await res.text();
    let body = null;
    try { body = JSON.parse(text); } catch (e) { body = null; }
    if (!res.ok) {
      const msg = body && body.message ? body.code + ": " + body.message : res.statusText;
      throw new Error(msg);
    }
    if (withVersion) return { body: body, version: res.headers.get("X-Doorstep-Plan-Version") };
    return body;
  }

  function initMap(config) {
    const map = L.map("map", { preferCanvas: false });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(CREDIT);
    map.setView([60.17, 24.94], 14);
    state.map = map;
    state.layers = L.layerGroup().addTo(map);
    map.on("click", (ev) => { if (state.placing) place(ev.latlng).catch((e) => status(e.message)); });
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && state.placing) {
        state.placing = "";
        $("map").classList.remove("placing");
        status(T("cancelled"));
      }
    });
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
      const items = (line.items || []).map((i) => esc(i.label || i.kind) + " (" +
        esc(T("kg", { kg: i.kg })) + ")");
      rows.push("<tr><td>" + esc(line.household_id) + "</td><td>" + items.join(", ") + "</td>" +
        "<td>" + placeButton(line.household_id, "move") + "</td></tr>");
    }
    return rows.join("");
  }

  function popup(route, stop, seq) {
    const window_ = stop.eta_window ?
      " (" + esc(T("window", { from: stop.eta_window[0], to: stop.eta_window[1] })) + ")" : "";
    return '<div class="stop-popup"><b>' + esc(T("stop_of", { seq: seq, who: route.volunteer_id })) +
      "</b><br>" + esc(T("households")) + ' <span class="households">' +
      esc(stop.household_ids.join(", ")) + "</span><br>" +
      esc(T("eta")) + ' <span class="eta">' + esc(stop.arrival) + "</span>" + window_ +
      "<table>" + itemsOf(stop) + "</table></div>";
  }

  // A button that starts placing one household (a click on the map then says where).
  function placeButton(householdId, key) {
    return '<button type="button" class="place" data-household="' + esc(householdId) + '">' +
      esc(T(key)) + "</button>";
  }

  function startPlacing(householdId) {
    state.placing = householdId;
    state.map.closePopup();
    $("map").classList.add("placing");
    status(T("placing", { household: householdId }));
  }

  // The clicked point becomes the household's door; the day is planned again as a new job.
  async function place(latlng) {
    const householdId = state.placing;
    state.placing = "";
    $("map").classList.remove("placing");
    if (state.marker) state.map.removeLayer(state.marker);
    state.marker = L.circleMarker(latlng, { radius: 9, color: "#000", weight: 2, fillOpacity: 0,
      className: "doorstep-placed" }).addTo(state.map);
    const job = await api("/v1/jobs/" + encodeURIComponent(state.job) + "/households/" +
      encodeURIComponent(householdId) + "/position", { lon: latlng.lng, lat: latlng.lat });
    state.placed = { household: householdId, job: job.id };
    status(T("replanning", { household: householdId, job: job.id.slice(0, 8) }));
    await waitFor(job.id);
    await loadJobs(job.id);
  }

  async function waitFor(jobId) {
    for (;;) {
      const job = await api("/v1/jobs/" + jobId);
      if (["done", "failed", "cancelled"].includes(job.status)) return job;
      await new Promise((ok) => setTimeout(ok, 500));
    }
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
    status(T("loading", { job: jobId }));
    const job = await api("/v1/jobs/" + jobId);
    if (job.status !== "done") { status(T("job_is", { status: job.status })); return; }
    state.streetsOf = job.map;
    const [answer, geo] = await Promise.all([
      api("/v1/jobs/" + jobId + "/plan", undefined, true),
      api("/v1/jobs/" + jobId + "/routes.geojson")]);
    const plan = answer.body;
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
        esc(route.volunteer_id) + " · " + esc(route.mode) + " · " +
        esc(T("stops", { n: deliveries(route).length })) + "</div>");
    });
    const missing = plan.unassigned.length;
    legend.push("<p>" + esc(T("not_served", { n: missing })) + (missing ? ":" : "") + "</p>");
    for (const u of plan.unassigned) {
      legend.push('<div class="unserved">' + esc(u.household_id) + ": <code>" + esc(u.reason) +
        "</code> " + placeButton(u.household_id, "place") + "</div>");
    }
    $("legend").innerHTML = legend.join("");
    if (bounds.isValid()) state.map.fitBounds(bounds.pad(0.1));
    let summary = T("summary", { date: plan.date, runs: plan.routes.length, stops: state.stops });
    if (plan.replan) {  // the day's current version, a re-plan
      summary += " · " + T("version", { n: answer.version, at: plan.replan.at });
    }
    status(summary);
    state.ready = true;
  }

  async function loadJobs(selected) {
    const data = await api("/v1/jobs?status=done&limit=100");
    const sel = $("jobs");
    sel.innerHTML = '<option value="">' + esc(T("pick")) + "</option>" + data.jobs.map((j) =>
      '<option value="' + esc(j.id) + '">' + esc(T("job_option", { date: j.date, map: j.map,
        n: j.households, id: j.id.slice(0, 8) })) + "</option>").join("");
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
    document.addEventListener("click", (ev) => {
      const button = ev.target.closest ? ev.target.closest("button.place") : null;
      if (button) startPlacing(button.getAttribute("data-household"));
    });
    $("jobs").addEventListener("change", (ev) => {
      showJob(ev.target.value).catch((e) => status(e.message));
    });
    if (state.key) {
      sessionStorage.setItem("doorstep-key", state.key);
      await loadJobs(p.job || "");
    } else {
      status(T("enter_key"));
    }
  }

  start().catch((e) => status(e.message));
})();
