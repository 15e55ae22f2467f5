/*!
 * Knee pain assistant: embeddable chat widget for Rasa's socket.io channel.
 *
 * Embed with one tag (the widget loads widget.css and the vendored socket.io
 * client from the folder its own src points to):
 *
 *   <script src="https://example.com/widget/widget.js"
 *           data-server="https://rasa.example.com"
 *           data-title="Knee pain assistant"
 *           data-trainer="Sam Smith" defer></script>
 *
 * Optional attributes: data-socket-path (default "/socket.io"),
 * data-storage-key (default derived from data-server), data-emergency
 * (default "999").
 *
 * Vanilla JS, no build step. Message text is always rendered as text
 * (textContent / text nodes), never as HTML.
 */
(function () {
  "use strict";

  if (window.KneeChat && window.KneeChat.__loaded) {
    return; // embedded twice: the first copy wins
  }

  var startedAt = now();
  var HISTORY_LIMIT = 200;
  var TYPING_TIMEOUT_MS = 15000;
  var STORAGE_VERSION = 1;
  var URL_PATTERN = /https?:\/\/[^\s<>"']+/g;
  var TRAILING_PUNCTUATION = /[.,;:!?'"\]]+$/;

  // --- configuration from the script tag -----------------------------------

  var script = document.currentScript || findOwnScript();
  var scriptSrc = (script && script.src) || "";
  var baseUrl = scriptSrc ? new URL(".", scriptSrc).href : "";
  var attrs = (script && script.dataset) || {};
  var config = {
    server: (attrs.server || window.location.origin).replace(/\/+$/, ""),
    socketPath: attrs.socketPath || "/socket.io",
    title: attrs.title || "Chat",
    trainer: attrs.trainer || "your trainer",
    emergency: attrs.emergency || "999",
  };
  var storageKey = attrs.storageKey || "kneechat.v" + STORAGE_VERSION + ":" + config.server;

  function findOwnScript() {
    var scripts = document.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/widget\.js(\?|#|$)/.test(scripts[i].src || "")) {
        return scripts[i];
      }
    }
    return null;
  }

  function now() {
    return window.performance && performance.now ? performance.now() : Date.now();
  }

  // --- persisted state --------------------------------------------------------

  var memoryStore = {};
  var storage = {
    get: function (key) {
      try {
        return window.localStorage.getItem(key);
      } catch (e) {
        return Object.prototype.hasOwnProperty.call(memoryStore, key) ? memoryStore[key] : null;
      }
    },
    set: function (key, value) {
      try {
        window.localStorage.setItem(key, value);
      } catch (e) {
        memoryStore[key] = value; // storage disabled or full: keep it for this page
      }
    },
    remove: function (key) {
      try {
        window.localStorage.removeItem(key);
      } catch (e) {
        /* ignore */
      }
      delete memoryStore[key];
    },
  };

  function freshState() {
    // messages: {id, from: "bot"|"user"|"trainer", text, buttons, buttonsUsed, image, label, ts}
    // outbox: user messages not yet handed to the server (sent after (re)connecting)
    return { sessionId: null, greeted: false, open: false, messages: [], outbox: [], nextId: 1 };
  }

  function loadState() {
    var raw = storage.get(storageKey);
    if (!raw) return freshState();
    try {
      var parsed = JSON.parse(raw);
      var state = freshState();
      if (typeof parsed.sessionId === "string" && parsed.sessionId) state.sessionId = parsed.sessionId;
      state.greeted = !!parsed.greeted;
      state.open = !!parsed.open;
      if (Array.isArray(parsed.messages)) state.messages = parsed.messages.slice(-HISTORY_LIMIT);
      if (Array.isArray(parsed.outbox)) state.outbox = parsed.outbox;
      state.nextId = typeof parsed.nextId === "number" ? parsed.nextId : state.messages.length + 1;
      return state;
    } catch (e) {
      return freshState();
    }
  }

  var state = loadState();

  function saveState() {
    if (state.messages.length > HISTORY_LIMIT) {
      state.messages = state.messages.slice(-HISTORY_LIMIT);
      pruneRenderedHistory();
    }
    storage.set(storageKey, JSON.stringify(state));
  }

  // --- DOM --------------------------------------------------------------------

  var ui = {};
  var metrics = {
    scriptStartMs: Math.round(startedAt),
    firstBotMessageMs: null, // script start -> first bot message from the server rendered
    connectedMs: null, // script start -> first session_confirm
    openedMs: null, // script start -> first open()
  };

  function el(tag, className, attributes) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (attributes) {
      for (var name in attributes) {
        if (Object.prototype.hasOwnProperty.call(attributes, name)) node.setAttribute(name, attributes[name]);
      }
    }
    return node;
  }

  function loadStylesheet() {
    if (!baseUrl) return;
    var link = el("link", null, { rel: "stylesheet", href: baseUrl + "widget.css" });
    (document.head || document.documentElement).appendChild(link);
  }

  function buildUi() {
    var root = el("div", "kc-root", { "data-kc-connection": "idle" });

    var launcher = el("button", "kc-launcher", {
      type: "button",
      "aria-expanded": "false",
      "aria-controls": "kc-panel",
      "aria-label": "Open chat: " + config.title,
    });
    var launcherIcon = el("span", "kc-launcher-icon", { "aria-hidden": "true" });
    launcherIcon.textContent = "\uD83D\uDCAC"; // speech balloon
    var launcherText = el("span", "kc-launcher-text");
    launcherText.textContent = "Ask about knee pain";
    var badge = el("span", "kc-badge", { "aria-hidden": "true" });
    badge.hidden = true;
    launcher.appendChild(launcherIcon);
    launcher.appendChild(launcherText);
    launcher.appendChild(badge);

    var panel = el("section", "kc-panel", {
      id: "kc-panel",
      role: "dialog",
      "aria-modal": "false",
      "aria-label": config.title,
    });
    panel.hidden = true;

    var header = el("header", "kc-header");
    var titleBox = el("div", "kc-title-box");
    var title = el("h2", "kc-title");
    title.textContent = config.title;
    var subtitle = el("p", "kc-subtitle");
    subtitle.textContent = "Answers from " + config.trainer + "'s article";
    titleBox.appendChild(title);
    titleBox.appendChild(subtitle);
    var close = el("button", "kc-close", { type: "button", "aria-label": "Close chat" });
    close.textContent = "\u00D7";
    header.appendChild(titleBox);
    header.appendChild(close);

    var log = el("div", "kc-log", {
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": "Conversation",
      tabindex: "0",
    });

    var typing = el("div", "kc-typing", { role: "status" });
    typing.hidden = true;
    var dots = el("span", "kc-dots", { "aria-hidden": "true" });
    dots.appendChild(el("span"));
    dots.appendChild(el("span"));
    dots.appendChild(el("span"));
    var typingText = el("span", "kc-visually-hidden");
    typingText.textContent = "The assistant is typing";
    typing.appendChild(dots);
    typing.appendChild(typingText);

    var status = el("div", "kc-status", { role: "status", "aria-live": "polite" });
    status.hidden = true;

    var form = el("form", "kc-form", { novalidate: "" });
    var label = el("label", "kc-visually-hidden", { for: "kc-input" });
    label.textContent = "Your message";
    var input = el("input", "kc-input", {
      id: "kc-input",
      type: "text",
      autocomplete: "off",
      maxlength: "2000",
      placeholder: "Type your message\u2026",
    });
    var send = el("button", "kc-send", { type: "submit" });
    send.textContent = "Send";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);

    var disclaimer = el("p", "kc-disclaimer");
    disclaimer.textContent =
      "Not a substitute for a clinician. In an emergency call " + config.emergency + ".";

    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(typing);
    panel.appendChild(status);
    panel.appendChild(form);
    panel.appendChild(disclaimer);
    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(root);

    ui = {
      root: root,
      launcher: launcher,
      badge: badge,
      panel: panel,
      close: close,
      log: log,
      typing: typing,
      status: status,
      form: form,
      input: input,
      send: send,
    };

    launcher.addEventListener("click", function () {
      if (isOpen()) close_();
      else {
        returnFocusTo = null;
        open();
      }
    });
    // warm up the connection as soon as someone shows interest
    launcher.addEventListener("pointerenter", ensureConnection);
    launcher.addEventListener("focus", ensureConnection);
    close.addEventListener("click", close_);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.key === "Esc") {
        event.preventDefault();
        close_();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      input.value = "";
      send_(text);
    });
  }

  // --- rendering --------------------------------------------------------------

  function appendText(container, text) {
    var lines = String(text).split(/\r\n|\r|\n/);
    for (var i = 0; i < lines.length; i++) {
      if (i > 0) container.appendChild(document.createElement("br"));
      appendLinkified(container, lines[i]);
    }
  }

  function safeHttpUrl(candidate) {
    try {
      var url = new URL(candidate);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function count(text, char) {
    return text.split(char).length - 1;
  }

  function appendLinkified(container, line) {
    var last = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(line)) !== null) {
      var raw = match[0];
      // leave sentence punctuation and an unbalanced closing bracket outside the link:
      // "(see https://x.org/a)." links https://x.org/a, "https://x.org/Knee_(joint)" stays whole
      var trimmed = raw.replace(TRAILING_PUNCTUATION, "");
      while (/\)$/.test(trimmed) && count(trimmed, "(") < count(trimmed, ")")) {
        trimmed = trimmed.slice(0, -1).replace(TRAILING_PUNCTUATION, "");
      }
      var href = safeHttpUrl(trimmed);
      if (match.index > last) container.appendChild(document.createTextNode(line.slice(last, match.index)));
      if (href) {
        var a = el("a", "kc-link", { href: href, target: "_blank", rel: "noopener noreferrer nofollow" });
        a.textContent = trimmed;
        container.appendChild(a);
        last = match.index + trimmed.length;
      } else {
        container.appendChild(document.createTextNode(raw));
        last = match.index + raw.length;
      }
      URL_PATTERN.lastIndex = last;
    }
    if (last < line.length) container.appendChild(document.createTextNode(line.slice(last)));
  }

  function renderMessage(message) {
    var classes = "kc-msg " + (message.from === "user" ? "kc-user" : "kc-bot");
    if (message.from === "trainer") classes += " kc-from-trainer";
    if (message.pending) classes += " kc-pending";
    var node = el("div", classes, { "data-kc-id": String(message.id), "data-kc-from": message.from });

    var who = el("span", message.from === "trainer" ? "kc-label" : "kc-label kc-visually-hidden");
    who.textContent =
      message.from === "user" ? "You" : message.from === "trainer" ? message.label || config.trainer : "Assistant";
    node.appendChild(who);

    if (message.text) {
      var body = el("div", "kc-text");
      appendText(body, message.text);
      node.appendChild(body);
    }
    if (message.image) {
      var src = safeHttpUrl(message.image);
      if (src) node.appendChild(el("img", "kc-image", { src: src, alt: message.imageAlt || "Image from the assistant" }));
    }
    if (message.buttons && message.buttons.length) {
      var group = el("div", "kc-buttons", { role: "group", "aria-label": "Reply options" });
      message.buttons.forEach(function (button) {
        var url = button.url ? safeHttpUrl(button.url) : null;
        if (url) {
          var link = el("a", "kc-button kc-button-link", { href: url, target: "_blank", rel: "noopener noreferrer" });
          link.textContent = button.title;
          group.appendChild(link);
          return;
        }
        var b = el("button", "kc-button", { type: "button" });
        b.textContent = button.title;
        b.disabled = !!message.buttonsUsed;
        b.addEventListener("click", function () {
          if (message.buttonsUsed) return;
          disableButtons(message);
          send_(button.payload, button.title);
        });
        group.appendChild(b);
      });
      node.appendChild(group);
    }
    if (message.pending) {
      var note = el("span", "kc-pending-note");
      note.textContent = "Not sent yet: it goes out as soon as the chat is connected";
      node.appendChild(note);
    }
    ui.log.appendChild(node);
    return node;
  }

  function messageNode(message) {
    return ui.log && ui.log.querySelector('[data-kc-id="' + message.id + '"]');
  }

  function disableButtons(message) {
    if (message.buttonsUsed) return;
    message.buttonsUsed = true;
    var node = messageNode(message);
    if (node) {
      var buttons = node.querySelectorAll("button.kc-button");
      for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    }
  }

  function pruneRenderedHistory() {
    if (!ui.log) return;
    var nodes = ui.log.querySelectorAll(".kc-msg");
    for (var i = 0; i < nodes.length - HISTORY_LIMIT; i++) nodes[i].parentNode.removeChild(nodes[i]);
  }

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function addMessage(message) {
    message.id = state.nextId++;
    message.ts = Date.now();
    state.messages.push(message);
    renderMessage(message);
    saveState();
    scrollToEnd();
    return message;
  }

  // --- typing indicator, status, unread badge ---------------------------------

  var typingTimer = null;

  function showTyping() {
    ui.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
    scrollToEnd();
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    typingTimer = null;
    if (ui.typing) ui.typing.hidden = true;
  }

  function setConnection(value) {
    connectionState = value;
    if (!ui.root) return;
    ui.root.setAttribute("data-kc-connection", value);
    var text = "";
    if (value === "reconnecting") text = metrics.connectedMs === null ? "Connecting\u2026" : "Reconnecting\u2026";
    else if (value === "connecting" && state.outbox.length) text = "Connecting\u2026";
    ui.status.textContent = text;
    ui.status.hidden = !text;
  }

  var unread = 0;

  function markUnread() {
    if (isOpen()) return;
    unread += 1;
    ui.badge.textContent = unread > 9 ? "9+" : String(unread);
    ui.badge.hidden = false;
    ui.launcher.setAttribute("aria-label", "Open chat: " + config.title + " (" + unread + " new)");
  }

  function clearUnread() {
    unread = 0;
    ui.badge.hidden = true;
    ui.launcher.setAttribute("aria-label", "Open chat: " + config.title);
  }

  // --- socket.io --------------------------------------------------------------

  var ioFactory = null;
  var ioLoading = null;
  var socket = null;
  var confirmed = false;
  var connectionState = "idle";

  function loadSocketIo() {
    if (ioFactory) return Promise.resolve(ioFactory);
    if (ioLoading) return ioLoading;
    ioLoading = new Promise(function (resolve, reject) {
      // Don't disturb a host page's own `io` or AMD loader: the UMD bundle
      // would register with define() if there is one, and it sets window.io.
      var previousIo = window.io;
      var hadIo = "io" in window;
      var amdDefine = typeof window.define === "function" && window.define.amd ? window.define : null;
      if (amdDefine) window.define = undefined;
      var tag = el("script", null, { src: baseUrl + "vendor/socket.io.min.js", async: "" });
      function restore() {
        if (amdDefine) window.define = amdDefine;
      }
      tag.onload = function () {
        restore();
        ioFactory = window.io;
        if (hadIo) window.io = previousIo;
        else {
          try {
            delete window.io;
          } catch (e) {
            window.io = undefined;
          }
        }
        if (typeof ioFactory === "function") resolve(ioFactory);
        else reject(new Error("socket.io client did not load"));
      };
      tag.onerror = function () {
        restore();
        ioLoading = null;
        reject(new Error("could not load " + tag.src));
      };
      (document.head || document.documentElement).appendChild(tag);
    });
    return ioLoading;
  }

  function ensureConnection() {
    if (socket) return;
    setConnection("connecting");
    loadSocketIo().then(
      function (io) {
        if (socket) return;
        connect(io);
      },
      function () {
        setConnection("reconnecting");
        setTimeout(function () {
          if (!socket) ensureConnection();
        }, 3000);
      }
    );
  }

  function connect(io) {
    confirmed = false;
    socket = io(config.server, {
      path: config.socketPath,
      // websocket only: the Rasa socket.io server answers no CORS preflight for
      // polling from other origins, and a websocket needs none.
      transports: ["websocket"],
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      timeout: 10000,
    });

    socket.on("connect", function () {
      confirmed = false;
      // Re-join the conversation's room on every (re)connect.
      socket.emit("session_request", { session_id: state.sessionId });
    });

    socket.on("session_confirm", function (sessionId) {
      var id = typeof sessionId === "string" ? sessionId : sessionId && sessionId.session_id;
      if (!state.sessionId && id) {
        state.sessionId = id;
        saveState();
      }
      confirmed = true;
      if (metrics.connectedMs === null) metrics.connectedMs = Math.round(now() - startedAt);
      setConnection("connected");
      if (isOpen()) greetOnce();
      flushOutbox();
    });

    socket.on("bot_uttered", onBotMessage);

    socket.on("disconnect", function (reason) {
      confirmed = false;
      // anything socket.io buffered but never wrote stays in our outbox instead
      if (socket.sendBuffer) socket.sendBuffer.length = 0;
      if (reason === "io client disconnect") {
        setConnection("idle");
        return;
      }
      setConnection("reconnecting");
      if (!socket.active) socket.connect(); // the server closed it: socket.io won't retry on its own
    });

    socket.on("connect_error", function () {
      if (connectionState !== "connected") setConnection("reconnecting");
    });
  }

  function flushOutbox() {
    var changed = false;
    while (state.outbox.length && socket && socket.connected && confirmed) {
      var item = state.outbox[0];
      socket.emit("user_uttered", { message: item.message, session_id: state.sessionId });
      if (socket.sendBuffer && socket.sendBuffer.length) {
        socket.sendBuffer.length = 0; // not actually written: keep it for the next connect
        break;
      }
      state.outbox.shift();
      changed = true;
      markSent(item.messageId);
      showTyping();
    }
    if (changed) saveState();
  }

  function markSent(messageId) {
    if (messageId == null) return;
    for (var i = state.messages.length - 1; i >= 0; i--) {
      var message = state.messages[i];
      if (message.id === messageId) {
        if (message.pending) {
          delete message.pending;
          var node = messageNode(message);
          if (node) {
            node.classList.remove("kc-pending");
            var note = node.querySelector(".kc-pending-note");
            if (note) note.parentNode.removeChild(note);
          }
        }
        return;
      }
    }
  }

  function isTrue(value) {
    return value === true || value === "true";
  }

  function fromTrainer(data) {
    var metadata = (data && data.metadata) || {};
    var custom = (data && data.custom) || {};
    if (typeof custom !== "object") custom = {};
    if (typeof metadata !== "object") metadata = {};
    var flag =
      isTrue(metadata.from_trainer) ||
      isTrue(custom.from_trainer) ||
      isTrue(data.from_trainer) ||
      metadata.from === "trainer" ||
      custom.from === "trainer" ||
      custom.sender === "trainer";
    if (!flag) return null;
    var name = metadata.trainer_name || custom.trainer_name || data.trainer_name;
    return { label: typeof name === "string" && name ? name : config.trainer };
  }

  function onBotMessage(data) {
    if (data == null) return;
    if (typeof data === "string") data = { text: data };
    if (typeof data !== "object") return;
    var custom = data.custom && typeof data.custom === "object" ? data.custom : {};
    var text = typeof data.text === "string" ? data.text : typeof custom.text === "string" ? custom.text : "";
    var rawButtons = data.quick_replies || data.buttons || custom.buttons || custom.quick_replies || [];
    var buttons = [];
    if (Array.isArray(rawButtons)) {
      rawButtons.forEach(function (b) {
        if (b && typeof b.title === "string" && (typeof b.payload === "string" || typeof b.url === "string")) {
          buttons.push({ title: b.title, payload: b.payload || "", url: b.url || undefined });
        }
      });
    }
    var image = null;
    var attachment = data.attachment;
    if (attachment && typeof attachment === "object") {
      var payload = attachment.payload || {};
      if (attachment.type === "image" && payload.src) image = safeHttpUrl(String(payload.src));
      else if (payload.src || payload.url) text = (text ? text + "\n" : "") + String(payload.src || payload.url);
    } else if (typeof data.image === "string") {
      image = safeHttpUrl(data.image);
    }
    if (!text && !buttons.length && !image) return; // nothing to show

    var trainer = fromTrainer(data);
    var message = { from: trainer ? "trainer" : "bot", text: text };
    if (trainer) message.label = trainer.label;
    if (buttons.length) message.buttons = buttons;
    if (image) message.image = image;
    hideTyping();
    addMessage(message);
    markUnread();
    if (metrics.firstBotMessageMs === null) {
      metrics.firstBotMessageMs = Math.round(now() - startedAt);
    }
    dispatch("kneechat:bot-message", { text: text, fromTrainer: !!trainer });
  }

  function dispatch(name, detail) {
    try {
      document.dispatchEvent(new CustomEvent(name, { detail: detail }));
    } catch (e) {
      /* old browsers: no events */
    }
  }

  // --- actions ----------------------------------------------------------------

  function send_(payload, shownText, options) {
    payload = String(payload || "").trim();
    if (!payload) return;
    var silent = options && options.silent;
    // a reply makes the quick replies above it stale
    for (var i = 0; i < state.messages.length; i++) {
      if (state.messages[i].buttons && !state.messages[i].buttonsUsed) disableButtons(state.messages[i]);
    }
    var item = { message: payload };
    if (!silent) {
      var willWait = !(socket && socket.connected && confirmed);
      var message = addMessage({ from: "user", text: shownText || payload, pending: willWait || undefined });
      item.messageId = message.id;
    }
    state.outbox.push(item);
    saveState();
    ensureConnection();
    flushOutbox();
  }

  function greetOnce() {
    if (state.greeted) return;
    state.greeted = true;
    saveState();
    send_("/greet", null, { silent: true });
    showTyping();
  }

  var returnFocusTo = null; // a host page's button that opened the chat gets focus back

  function isOpen() {
    return !!ui.panel && !ui.panel.hidden;
  }

  function open() {
    if (!ui.panel) return;
    ui.panel.hidden = false;
    ui.root.classList.add("kc-open");
    ui.launcher.setAttribute("aria-expanded", "true");
    if (metrics.openedMs === null) metrics.openedMs = Math.round(now() - startedAt);
    state.open = true;
    saveState();
    clearUnread();
    scrollToEnd();
    ui.input.focus();
    ensureConnection();
    if (confirmed) greetOnce();
    else if (!state.greeted && !state.sessionId) showTyping();
  }

  function close_() {
    if (!ui.panel) return;
    var wasOpen = isOpen();
    ui.panel.hidden = true;
    ui.root.classList.remove("kc-open");
    ui.launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    saveState();
    var target = returnFocusTo && document.contains(returnFocusTo) ? returnFocusTo : ui.launcher;
    returnFocusTo = null;
    if (wasOpen) target.focus();
  }

  function reset() {
    storage.remove(storageKey);
    state = freshState();
    hideTyping();
    if (ui.log) ui.log.textContent = "";
    var wasOpen = isOpen();
    if (socket) {
      socket.off();
      socket.disconnect();
      socket = null;
    }
    confirmed = false;
    setConnection("idle");
    if (wasOpen) {
      state.open = true;
      saveState();
      ensureConnection();
      showTyping();
    }
  }

  // --- start ------------------------------------------------------------------

  function start() {
    loadStylesheet();
    buildUi();
    // host pages can open the chat from their own buttons: <button data-kneechat-open>
    document.addEventListener("click", function (event) {
      var target = event.target && event.target.closest ? event.target.closest("[data-kneechat-open]") : null;
      if (!target || ui.root.contains(target)) return;
      event.preventDefault();
      returnFocusTo = target;
      open();
    });
    state.messages.forEach(renderMessage);
    // an outbox from before a reload: its messages are shown as pending
    if (state.sessionId || state.outbox.length) ensureConnection(); // continue the conversation, live
    if (state.open) open();
    else scrollToEnd();
  }

  // The session id (the conversation's key) stays in this closure: no accessor here hands it to
  // page scripts. It is also kept in localStorage to continue the conversation after a reload,
  // which scripts of the same origin can read; keep third-party scripts off pages with the widget.
  window.KneeChat = {
    __loaded: true,
    version: "1.0.0",
    config: config,
    metrics: metrics,
    open: open,
    close: close_,
    send: function (text) {
      send_(text);
    },
    isConnected: function () {
      return !!(socket && socket.connected && confirmed);
    },
    reset: reset,
    // for tests: the live socket (e.g. to simulate a dropped connection)
    _socket: function () {
      return socket;
    },
  };

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
