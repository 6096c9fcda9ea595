/* Kefu 客服 — small progressive enhancements; every page works without this file.
 *
 *  - keyboard shortcuts: "/" focuses the global search, "g" + key follows a nav link carrying
 *    data-shortcut="g <key>" (g h workbench, g c complaints, …), "?" opens the shortcut help,
 *    Esc leaves a field / closes the menu. Pages may add their own: any element with
 *    data-key="n" is clicked (or focused, for fields) when that key is pressed outside a field.
 *  - Ctrl+Enter (⌘+Enter) submits a form marked data-ctrl-enter from any of its fields;
 *  - the mobile menu toggle;
 *  - dismissible messages, and messages from an HX-Trigger "kefu:message" {level, text} event;
 *  - htmx error reporting (failed request, network down);
 *  - live SLA countdowns ([data-deadline]);
 *  - ECharts for [data-chart="<json_script id>"], loaded on demand from the vendored file;
 *  - htmx helpers that need no inline code (the Content-Security-Policy forbids it, so no hx-on and
 *    no [filter] in hx-trigger): [data-poll-when-visible] skips its requests while the tab is hidden,
 *    form[data-clear-on-success="<selector>"] empties those fields after a successful request;
 *  - [data-history-back] links go back in the browser history (their href is the fallback);
 *  - signing out with on-site records not yet sent asks first (signing out erases them).
 */
(function () {
  "use strict";

  var strings = {};
  try {
    strings = JSON.parse(document.getElementById("kefu-i18n").textContent);
  } catch (e) { /* no strings: fall back to the keys */ }

  function t(key, params) {
    var s = strings[key] || key;
    if (params) {
      s = s.replace(/%\((\w+)\)[sd]/g, function (m, name) {
        return name in params ? String(params[name]) : m;
      });
    }
    return s;
  }

  /* ---------- messages ---------- */
  function messagesBox() {
    return document.getElementById("messages");
  }

  function showMessage(level, text) {
    var box = messagesBox();
    if (!box || !text) return;
    var div = document.createElement("div");
    div.className = "message message-" + (level || "info");
    var span = document.createElement("span");
    span.className = "message-text";
    span.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "message-close";
    close.setAttribute("data-dismiss", "");
    close.setAttribute("aria-label", t("dismiss"));
    close.textContent = "×";
    div.appendChild(span);
    div.appendChild(close);
    box.appendChild(div);
    autoDismiss(div);
  }

  function autoDismiss(el) {
    if (el.classList.contains("message-error") || el.classList.contains("message-warning")) return;
    setTimeout(function () { if (el.parentNode) el.parentNode.removeChild(el); }, 6000);
  }

  document.addEventListener("click", function (event) {
    var btn = event.target.closest("[data-dismiss]");
    if (btn) {
      var msg = btn.closest(".message, .alert");
      if (msg) msg.remove();
    }
    var back = event.target.closest("[data-history-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
    var toggle = event.target.closest(".nav-toggle");
    if (toggle) {
      var bar = toggle.closest(".topbar");
      var open = bar.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
  });

  window.kefu = { showMessage: showMessage, t: t };

  /* ---------- keyboard shortcuts ---------- */
  var pendingG = false;
  var pendingTimer = null;

  function isTyping(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function focusSearch() {
    var box = document.getElementById("global-search");
    if (!box) return false;
    var bar = box.closest(".topbar");
    if (bar && box.offsetParent === null) {  /* inside the collapsed phone menu */
      bar.classList.add("nav-open");
    }
    box.focus();
    box.select();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented) return;
    var target = event.target;

    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = target.closest && target.closest("form[data-ctrl-enter]");
      if (form) {
        event.preventDefault();
        if (typeof form.requestSubmit === "function") form.requestSubmit(); else form.submit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;

    if (event.key === "Escape") {
      var bar = document.querySelector(".topbar.nav-open");
      if (bar) {
        bar.classList.remove("nav-open");
        var toggle = bar.querySelector(".nav-toggle");
        if (toggle) toggle.setAttribute("aria-expanded", "false");
      }
      if (isTyping(target)) target.blur();
      return;
    }
    if (isTyping(target)) return;

    if (pendingG) {
      pendingG = false;
      clearTimeout(pendingTimer);
      var link = document.querySelector('[data-shortcut="g ' + event.key.toLowerCase() + '"]');
      if (link) {
        event.preventDefault();
        link.click();
      }
      return;
    }
    if (event.key === "/") {
      if (focusSearch()) event.preventDefault();
      return;
    }
    if (event.key === "g") {
      pendingG = true;
      pendingTimer = setTimeout(function () { pendingG = false; }, 1200);
      return;
    }
    if (event.key === "?") {
      var help = document.getElementById("shortcut-help");
      if (help && typeof help.showModal === "function") {
        event.preventDefault();
        help.showModal();
      }
      return;
    }
    var el = document.querySelector('[data-key="' + CSS.escape(event.key) + '"]');
    if (el) {
      event.preventDefault();
      if (isTyping(el)) el.focus(); else el.click();
    }
  });

  /* ---------- SLA countdowns ---------- */
  function duration(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    if (days) return t("days_hours", { days: days, hours: hours });
    if (hours) return t("hours_minutes", { hours: hours, minutes: mins });
    return t("minutes", { minutes: mins });
  }

  function tickSla() {
    var now = Date.now();
    document.querySelectorAll(".sla[data-deadline]").forEach(function (el) {
      var deadline = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(deadline)) return;
      var left = deadline - now;
      var warn = parseInt(el.getAttribute("data-warn") || "120", 10) * 60000;
      var state = left <= 0 ? "late" : left <= warn ? "warn" : "ok";
      el.classList.remove("sla-ok", "sla-warn", "sla-late");
      el.classList.add("sla-" + state);
      el.textContent = left <= 0 ? t("sla_overdue", { duration: duration(left) }) : t("sla_left", { duration: duration(left) });
    });
  }
  setInterval(tickSla, 60000);

  /* ---------- charts ---------- */
  var echartsLoading = null;

  function loadEcharts() {
    if (window.echarts) return Promise.resolve(window.echarts);
    if (echartsLoading) return echartsLoading;
    echartsLoading = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = document.body.getAttribute("data-echarts-src");
      script.onload = function () { resolve(window.echarts); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
    return echartsLoading;
  }

  function initCharts(root) {
    var nodes = (root || document).querySelectorAll("[data-chart]:not([data-chart-ready])");
    if (!nodes.length) return;
    loadEcharts().then(function (echarts) {
      var lang = (document.documentElement.lang || "").toLowerCase();
      nodes.forEach(function (el) {
        var source = document.getElementById(el.getAttribute("data-chart"));
        if (!source) return;
        el.setAttribute("data-chart-ready", "");
        var chart = echarts.init(el, null, { locale: lang.indexOf("zh") === 0 ? "ZH" : "EN", renderer: "canvas" });
        chart.setOption(JSON.parse(source.textContent));
        if (window.ResizeObserver) new ResizeObserver(function () { chart.resize(); }).observe(el);
      });
    });
  }

  /* ---------- htmx integration ---------- */
  document.addEventListener("kefu:message", function (event) {
    var detail = event.detail || {};
    showMessage(detail.level, detail.text || detail.value);
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    showMessage("error", t("request_failed", { status: xhr ? xhr.status : "?" }));
  });
  document.addEventListener("htmx:sendError", function () {
    showMessage("error", t("network_error"));
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.hasAttribute("data-poll-when-visible") && document.visibilityState !== "visible") {
      event.preventDefault();
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!event.detail.successful || !form || !form.matches("form[data-clear-on-success]")) return;
    form.querySelectorAll(form.getAttribute("data-clear-on-success")).forEach(function (field) {
      field.value = "";
    });
  });
  document.addEventListener("htmx:load", function (event) {
    var el = event.target;
    if (el.classList && el.classList.contains("message")) autoDismiss(el);
    initCharts(el);
    tickSla();
  });

  // Signing out clears the site's storage (Clear-Site-Data), and with it the on-site visit steps a
  // technician's phone has not sent yet (fieldservice/work.js keeps them under this key): ask first.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList || !form.classList.contains("logout")) return;
    var unsent = 0;
    try { unsent = JSON.parse(localStorage.getItem("kefu-onsite-queue") || "[]").length; } catch (err) { unsent = 0; }
    if (unsent && !window.confirm(t("unsent_onsite", { n: unsent }))) e.preventDefault();
  });

  function ready() {
    document.querySelectorAll("#messages .message").forEach(autoDismiss);
    initCharts(document);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
