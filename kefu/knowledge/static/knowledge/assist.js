/* Agent assist panel: every turn the agent adds is saved, in the order typed, or the agent is told.
 *
 * The turn form used to post through htmx, whose queue keeps only the latest request while one is
 * in flight and reads the text box when that request finally goes out — by then the box had been
 * emptied or held the next turn, so turns typed quickly were lost without a word. Here a submit
 * takes the words at once, empties the box for the next turn and queues the turn; the queue posts
 * one turn at a time (the server numbers turns as they arrive) and swaps in the panel it answers.
 * A turn that fails stays in the list under the box, marked, with Retry and Back-to-the-box
 * buttons, and the turns after it wait: nothing is dropped and the order holds.
 *
 * Polls of the panel (every 3 s through htmx) never replace it with an older one: an answer that
 * knows fewer turns than the panel on screen is not swapped in.
 *
 * Without this file the form posts normally and the page reloads.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-assist-turns]");
  if (!form || !window.fetch || !window.FormData) return;
  var box = form.querySelector("textarea[name=text]");
  var list = document.getElementById("pending-turns");
  var queue = []; // {speaker, text, li}
  var sending = false;
  var paused = false;

  function say(key) {
    return form.getAttribute("data-msg-" + key) || key;
  }

  function tell(level, text) {
    document.dispatchEvent(new CustomEvent("kefu:message", { detail: { level: level, text: text } }));
  }

  function speakerLabel(value) {
    var select = form.querySelector("[name=speaker]");
    var option = select && select.querySelector('option[value="' + value + '"]');
    return option ? option.textContent : value;
  }

  function turnCount(html) {
    var match = /data-turn-count="(\d+)"/.exec(html || "");
    return match ? Number(match[1]) : -1;
  }

  function swapLive(html) {
    var live = document.getElementById("live");
    if (!live) return;
    if (window.htmx && window.htmx.swap) {
      window.htmx.swap(live, html, { swapStyle: "outerHTML" });
    } else {
      live.outerHTML = html;
    }
  }

  function state(item, text) {
    item.li.querySelector(".pending-state").textContent = text;
  }

  function addPending(speaker, text) {
    var li = document.createElement("li");
    var who = document.createElement("strong");
    who.textContent = speakerLabel(speaker) + "：";
    var words = document.createElement("span");
    words.textContent = text;
    var status = document.createElement("span");
    status.className = "pending-state";
    li.appendChild(who);
    li.appendChild(words);
    li.appendChild(status);
    list.appendChild(li);
    return li;
  }

  function button(label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function fail(item, reason) {
    paused = true;
    item.li.classList.add("failed");
    state(item, say("failed") + (reason ? "：" + reason : ""));
    item.li.appendChild(
      button(say("retry"), function () {
        resume(item);
      })
    );
    item.li.appendChild(
      button(say("edit"), function () {
        queue.splice(queue.indexOf(item), 1);
        item.li.remove();
        box.value = box.value ? item.text + "\n" + box.value : item.text;
        box.focus();
        resume(null);
      })
    );
    queue.slice(1).forEach(function (waiting) {
      state(waiting, say("waiting"));
    });
    tell("error", say("not-saved"));
  }

  function resume(item) {
    if (item) {
      item.li.classList.remove("failed");
      item.li.querySelectorAll("button").forEach(function (b) {
        b.remove();
      });
    }
    paused = false;
    pump();
  }

  function reasonFrom(html, status) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var alert = holder.querySelector("[data-testid=turn-error]");
    return alert ? alert.textContent.trim() : "HTTP " + status;
  }

  function pump() {
    if (sending || paused || !queue.length) return;
    var item = queue[0];
    sending = true;
    state(item, say("sending"));
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    body.append("speaker", item.speaker);
    body.append("text", item.text);
    var draft = document.getElementById("id_draft");
    if (draft) body.append("draft", draft.value);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Target": "live" },
    })
      .then(function (response) {
        return response.text().then(function (html) {
          sending = false;
          if (response.ok) {
            queue.shift();
            item.li.remove();
            swapLive(html);
            pump();
          } else {
            if (response.status === 422) swapLive(html);
            fail(item, reasonFrom(html, response.status));
          }
        });
      })
      .catch(function () {
        sending = false;
        fail(item, say("network"));
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = box.value;
    var speaker = form.querySelector("[name=speaker]").value;
    if (!text.trim()) {
      box.value = "";
      tell("error", say("empty"));
      box.focus();
      return;
    }
    box.value = "";
    var item = { speaker: speaker, text: text.trim(), li: addPending(speaker, text.trim()) };
    queue.push(item);
    state(item, paused || sending ? say("waiting") : say("sending"));
    pump();
    box.focus();
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var live = document.getElementById("live");
    if (!live || event.detail.target !== live) return;
    var incoming = turnCount(event.detail.serverResponse);
    if (incoming >= 0 && incoming < Number(live.getAttribute("data-turn-count") || 0)) {
      event.detail.shouldSwap = false;
    }
  });
})();
