// The trainer's inbox: no libraries. Prevents double submits, confirms destructive
// buttons, and keeps an open conversation's thread up to date by polling.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // Disable after the submit has started so the button's value still goes along.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
    }, 0);
  });

  var thread = document.getElementById("thread");
  if (!thread || !window.fetch) { return; }
  var url = thread.getAttribute("data-messages-url");
  var interval = parseInt(thread.getAttribute("data-poll-ms"), 10) || 3000;
  var notice = document.getElementById("source-notice");
  var labels = { person: "Person", assistant: "Assistant", trainer: "You" };
  var statusText = { sent: "delivered", failed: "not delivered", pending: "sending" };
  var lastSignature = null;
  var stopped = false;

  function signature(messages) {
    var last = messages.length ? messages[messages.length - 1] : {};
    return messages.length + "|" + (last.at || "") + "|" + (last.text || "");
  }

  function render(messages) {
    var atBottom = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 40;
    var fragment = document.createDocumentFragment();
    if (!messages.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "No messages yet.";
      fragment.appendChild(empty);
    }
    messages.forEach(function (message) {
      var item = document.createElement("li");
      item.className = "msg msg-" + (labels[message.who] ? message.who : "assistant");
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = labels[message.who] || message.who;
      var text = document.createElement("p");
      text.className = "text";
      text.textContent = message.text;  // never innerHTML: people's words are not markup
      item.appendChild(who);
      item.appendChild(text);
      if (message.at) {
        var time = document.createElement("time");
        time.setAttribute("datetime", message.at);
        time.textContent = message.when || message.at;
        item.appendChild(time);
      }
      fragment.appendChild(item);
    });
    thread.replaceChildren(fragment);
    if (atBottom) { thread.scrollTop = thread.scrollHeight; }
  }

  function updateReplies(replies) {
    replies.forEach(function (reply) {
      var item = document.querySelector('[data-reply-id="' + String(reply.id) + '"] .reply-status');
      if (item && statusText[reply.status]) {
        item.textContent = statusText[reply.status];
        item.className = "badge badge-" + reply.status + " reply-status";
      }
    });
  }

  function poll() {
    if (stopped) { return; }
    if (document.visibilityState === "hidden") { window.setTimeout(poll, interval); return; }
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) {
          stopped = true;
          if (notice) {
            notice.textContent = "Your session has ended. Reload the page to log in again.";
            notice.hidden = false;
          }
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) { return; }
        if (notice) { notice.hidden = data.source !== "stored"; }
        var current = signature(data.messages);
        if (current !== lastSignature) {
          render(data.messages);
          lastSignature = current;
        }
        updateReplies(data.replies || []);
      })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(function () { if (!stopped) { window.setTimeout(poll, interval); } });
  }

  thread.scrollTop = thread.scrollHeight;
  window.setTimeout(poll, interval);
})();
