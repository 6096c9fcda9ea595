/* The technician's visit page: stage gating, the knock timers, the signature pad and the offline queue.
 *
 * Every step is queued in localStorage with a client UUID (the server's idempotency key) and the device
 * time, applied to the page at once, and sent to the sync API whenever the phone is online. A replay of
 * an action the server already has changes nothing; a refused action is shown with the server's message
 * and the page reloads the server's state.
 */
(function () {
  "use strict";
  var root = document.getElementById("fs-work");
  var stateEl = document.getElementById("fs-state");
  if (!root || !stateEl) return;
  var QKEY = "kefu-onsite-queue";
  var EKEY = "kefu-onsite-errors";
  var state = JSON.parse(stateEl.textContent);
  var orderId = state.order;
  var syncUrl = root.dataset.syncUrl;
  var syncEl = root.querySelector("[data-sync]");
  var errEl = root.querySelector("[data-errors]");
  var flushing = false;
  var pad = null;

  function load() {
    try { return JSON.parse(localStorage.getItem(QKEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(QKEY, JSON.stringify(queue)); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function has(stage) { return state.stages.indexOf(stage) >= 0; }

  function applyLocal(kind, data) {
    if (kind === "checklist" && !has(data.stage)) state.stages.push(data.stage);
    else if (kind === "depart") state.state = "en_route";
    else if (kind === "arrive") state.state = "on_site";
    else if (kind === "record") state.recorded = true;
    else if (kind === "consent") state.consent = true;
    else if (kind === "fees") state.fees = true;
    else if (kind === "sign") state.signed = true;
    else if (kind === "mot") state.mot = true;
    else if (kind === "finish") state.state = "fixed";
    else if (kind === "support") state.state = "new";
  }

  function sections() {
    var st = state.state, on = st === "on_site";
    var entered = on && has("enter");
    return {
      prepare: [st === "booked", has("prepare")],
      depart: [st === "booked" && has("prepare"), ["en_route", "on_site", "fixed"].indexOf(st) >= 0],
      arrive: [st === "en_route", on || st === "fixed"],
      door: [on, has("door")],
      enter: [on && has("door"), has("enter")],
      consent: [entered && !state.signed, state.consent],
      record: [entered && !state.signed, state.recorded],
      fees: [entered && !state.signed, state.fees],
      work: [on && state.recorded, has("work")],
      sign: [on && state.recorded && has("work"), state.signed],
      mot: [entered, state.mot],
      finish: [on && state.signed && has("work"), st === "fixed"],
      support: [on, false]
    };
  }

  function render() {
    var s = sections();
    root.querySelectorAll("[data-section]").forEach(function (form) {
      var flags = s[form.dataset.section] || [false, false];
      var enabled = flags[0] && !flags[1];
      form.classList.toggle("is-done", !!flags[1]);
      form.classList.toggle("is-locked", !enabled && !flags[1]);
      form.classList.toggle("is-current", enabled);
      form.querySelectorAll("input, textarea, select, button").forEach(function (el) {
        if (el.type !== "hidden") el.disabled = !enabled;
      });
    });
    var late = root.querySelector("[data-late-fields]");
    if (late) late.hidden = !(state.late_after && new Date() > new Date(state.late_after));
    var current = root.querySelector(".is-current");
    if (current && !current.dataset.optional && current.dataset.seen !== "1") {
      current.dataset.seen = "1";
    }
    var label = root.querySelector("[data-state-label]");
    if (label && state.state === "fixed") label.textContent = label.dataset.fixedText || "✓";
  }

  function status() {
    if (!syncEl) return;
    var n = load().length;
    var text;
    if (!n) text = syncEl.dataset.textOnline;
    else if (!navigator.onLine) text = syncEl.dataset.textOffline + "（" + n + " " + syncEl.dataset.textCount + "）";
    else text = syncEl.dataset.textPending + "（" + n + " " + syncEl.dataset.textCount + "）";
    syncEl.textContent = text;
    syncEl.dataset.pending = String(n);
    syncEl.dataset.online = navigator.onLine ? "1" : "0";
  }

  function showErrors(list) {
    if (!errEl) return;
    errEl.textContent = "";
    list.forEach(function (msg) {
      var p = document.createElement("p");
      p.className = "alert alert-danger";
      p.textContent = msg;
      errEl.appendChild(p);
    });
  }

  function csrf() {
    var input = root.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function flush() {
    var queue = load();
    status();
    if (!queue.length || !navigator.onLine || flushing) return;
    flushing = true;
    fetch(syncUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ actions: queue })
    }).then(function (resp) {
      if (!resp.ok) {
        return resp.json().catch(function () { return {}; }).then(function (body) {
          throw { status: resp.status, message: body.detail || "" };
        });
      }
      return resp.json();
    }).then(function (body) {
      var answered = {};
      var refused = [];
      body.results.forEach(function (r) {
        answered[r.uuid] = true;
        if (!r.ok) refused.push(r.message);
      });
      save(load().filter(function (a) { return !answered[a.uuid]; }));
      flushing = false;
      status();
      if (refused.length) {
        sessionStorage.setItem(EKEY, JSON.stringify(refused));
        window.location.reload();
        return;
      }
      if (load().length) flush();
    }).catch(function (err) {
      flushing = false;
      status();
      if (err && err.status && err.status < 500 && err.message) showErrors([err.message]);
    });
  }

  function checked(form, name) {
    return Array.prototype.map.call(form.querySelectorAll("input[name=" + name + "]:checked"), function (el) {
      return el.value;
    });
  }
  function value(form, name) {
    var el = form.querySelector("[name=" + name + "]");
    return el ? el.value : "";
  }

  function collect(form, kind) {
    if (kind === "checklist") {
      var boxes = form.querySelectorAll("input[name=items]");
      var items = checked(form, "items");
      if (items.length < boxes.length) {
        form.classList.add("has-error");
        return null;
      }
      form.classList.remove("has-error");
      var knock = form.querySelector("[data-knock]");
      var extra = {};
      if (knock && knock.dataset.elapsed) {
        extra = { knocks: Number(knock.dataset.knocks || 1), opened_after_s: Number(knock.dataset.elapsed),
                  phoned: Number(knock.dataset.elapsed) >= 180 };
      }
      return { stage: form.dataset.stage, items: items, data: extra };
    }
    if (kind === "record") {
      var names = form.querySelectorAll("input[name=part_name]");
      var serials = form.querySelectorAll("input[name=part_serial]");
      var parts = [];
      for (var i = 0; i < names.length; i++) {
        if (names[i].value || serials[i].value) parts.push({ name: names[i].value, serial: serials[i].value });
      }
      return {
        cause: value(form, "cause"), work_done: value(form, "work_done"), parts: parts,
        rx_dbm: value(form, "rx_dbm"), speed_mbps: value(form, "speed_mbps"),
        replaced: checked(form, "replaced").length > 0
      };
    }
    if (kind === "fees") {
      return { lines: checked(form, "fee").map(function (code) { return { code: code, qty: value(form, "qty_" + code) }; }) };
    }
    if (kind === "mot") {
      var scores = {};
      form.querySelectorAll("select[name^=mot_]").forEach(function (el) {
        if (el.value !== "") scores[el.name.slice(4)] = Number(el.value);
      });
      return { scores: scores, leads: value(form, "leads") };
    }
    if (kind === "sign") {
      var empty = form.querySelector("[data-pad-empty]");
      if (!pad || pad.isEmpty()) {
        if (empty) empty.hidden = false;
        return null;
      }
      if (empty) empty.hidden = true;
      var score = checked(form, "feedback_score");
      return {
        image: pad.toDataURL("image/png"), signer_name: value(form, "signer_name"),
        feedback_score: score.length ? score[0] : "", feedback_remarks: value(form, "feedback_remarks")
      };
    }
    var data = {};
    new FormData(form).forEach(function (v, k) { if (k !== "csrfmiddlewaretoken") data[k] = v; });
    if (kind === "arrive") data.called_ahead = checked(form, "called_ahead").length > 0;
    return data;
  }

  root.addEventListener("submit", function (ev) {
    var form = ev.target.closest("form[data-step]");
    if (!form) return;
    ev.preventDefault();
    if (!form.reportValidity()) return;
    var kind = form.dataset.step;
    var data = collect(form, kind);
    if (data === null) return;
    var queue = load();
    queue.push({ uuid: uuid(), order: orderId, kind: kind, device_at: new Date().toISOString(), data: data });
    save(queue);
    if (errEl) errEl.textContent = "";
    applyLocal(kind, data);
    render();
    flush();
    var next = root.querySelector(".is-current");
    if (next && next.scrollIntoView) next.scrollIntoView({ behavior: "smooth", block: "start" });
  });

  // The knock protocol (onsite.knock): prompts after 30 seconds and after 3 minutes.
  root.querySelectorAll("[data-knock]").forEach(function (box) {
    var timers = (box.dataset.timers || "30,180").split(",").map(Number);
    var clock = box.querySelector("[data-knock-clock]");
    var prompt = box.querySelector("[data-knock-prompt]");
    var opened = box.querySelector("[data-knock-opened]");
    var started = 0, tick = 0;
    function stop() {
      if (tick) window.clearInterval(tick);
      tick = 0;
      box.dataset.elapsed = String(Math.round((Date.now() - started) / 1000));
      if (opened) opened.hidden = true;
    }
    box.querySelector("[data-knock-start]").addEventListener("click", function () {
      started = Date.now();
      box.dataset.knocks = "1";
      if (opened) opened.hidden = false;
      if (tick) window.clearInterval(tick);
      tick = window.setInterval(function () {
        var s = Math.floor((Date.now() - started) / 1000);
        clock.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
        box.dataset.elapsed = String(s);
        if (s >= timers[timers.length - 1]) {
          prompt.textContent = box.dataset.promptLast;
          box.classList.add("is-alert");
        } else if (s >= timers[0]) {
          prompt.textContent = box.dataset.promptFirst;
          box.dataset.knocks = "2";
        }
      }, 1000);
    });
    if (opened) opened.addEventListener("click", stop);
  });

  // The signature pad, sized for the screen's pixel ratio.
  var canvas = root.querySelector("[data-signature-pad]");
  if (canvas && window.SignaturePad) {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad = new window.SignaturePad(canvas, { minWidth: 1, maxWidth: 3 });
    var clear = root.querySelector("[data-signature-clear]");
    if (clear) clear.addEventListener("click", function () { pad.clear(); });
  }

  var earlier = sessionStorage.getItem(EKEY);
  if (earlier) {
    sessionStorage.removeItem(EKEY);
    try { showErrors(JSON.parse(earlier)); } catch (e) { /* ignore */ }
  }
  load().forEach(function (a) { if (a.order === orderId) applyLocal(a.kind, a.data); });
  render();
  flush();
  window.addEventListener("online", flush);
  window.addEventListener("offline", status);
  window.setInterval(flush, 15000);
})();
