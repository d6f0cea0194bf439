/* 12345 citizen hotline chat widget. Embed with one tag:
 *   <script src="https://hotline.example.org/chat/widget.js" defer></script>
 * No dependencies, no CDN. Language follows <html lang> (zh or en) unless data-lang is set on the tag.
 * Every text from the citizen, the bot or an agent is put on the page with textContent, never as HTML.
 */
(function () {
  "use strict";
  if (window.Hotline12345Chat) { return; }
  var script = document.currentScript || document.querySelector('script[src*="/chat/widget.js"]');
  var base = script ? new URL(script.src, document.baseURI).origin : "";
  var pageLang = ((script && script.getAttribute("data-lang")) || document.documentElement.lang || "zh").toLowerCase();
  var lang = pageLang.indexOf("en") === 0 ? "en" : "zh";
  var T = {
    zh: {open: "12345 在线咨询", title: "12345 市民热线", close: "关闭对话", placeholder: "请描述您的问题…",
         send: "发送", you: "我", bot: "12345", agent: "人工客服", error: "网络不稳定，请稍后重试。",
         reference: "工单号", welcome: "您好，请直接描述遇到的问题，或发送工单号查询进度。", waiting: "已转人工，请稍候…",
         label: "消息", locate: "发送我的位置", located: "（我的位置）", noLocation: "无法获取位置，请直接输入地点。"},
    en: {open: "Chat with 12345", title: "12345 Citizen Hotline", close: "Close chat", placeholder: "Describe your problem…",
         send: "Send", you: "You", bot: "12345", agent: "Agent", error: "Connection problem, please try again.",
         reference: "Reference", welcome: "Hello, describe your problem, or send a reference number to check it.",
         waiting: "Connecting you to an agent…", label: "Message", locate: "Share my location",
         located: "(my location)", noLocation: "Your location is not available; please type the place."}
  }[lang];
  var MAX = 4000;
  var store = window.sessionStorage;
  var KEY = "hotline12345.conversation";
  var conversationId = null, after = 0, pollTimer = null, busy = false;
  try { conversationId = store.getItem(KEY); } catch (e) { conversationId = null; }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "/chat/widget.css";
  document.head.appendChild(css);

  var root = el("div", "h12345");
  root.setAttribute("lang", lang === "en" ? "en" : "zh-CN");
  var launcher = el("button", "h12345-launcher", T.open);
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "h12345-panel");
  var panel = el("section", "h12345-panel");
  panel.id = "h12345-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", T.title);
  var header = el("header", "h12345-header");
  header.appendChild(el("h2", "h12345-title", T.title));
  var closeBtn = el("button", "h12345-close", "×");
  closeBtn.type = "button";
  closeBtn.setAttribute("aria-label", T.close);
  header.appendChild(closeBtn);
  var log = el("ol", "h12345-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  var status = el("p", "h12345-status");
  status.setAttribute("role", "status");
  var form = el("form", "h12345-form");
  var input = el("textarea", "h12345-input");
  input.rows = 2;
  input.maxLength = MAX;
  input.placeholder = T.placeholder;
  input.setAttribute("aria-label", T.label);
  var sendBtn = el("button", "h12345-send", T.send);
  sendBtn.type = "submit";
  var locateBtn = el("button", "h12345-locate", T.locate);
  locateBtn.type = "button";
  form.appendChild(input);
  form.appendChild(sendBtn);
  if (navigator.geolocation) { form.appendChild(locateBtn); }
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);
  document.body.appendChild(root);

  // The tracking link the hotline gives with a reference: clickable when it points at this hotline's own
  // server (anything else stays plain text), built from text nodes and an <a>, never from HTML.
  var TRACK_RE = /(https?:\/\/[^\s]+\/t\/[A-Za-z0-9_-]{16})(?=\s|$)/;
  function textWith(who, text) {
    var p = el("p", "h12345-text");
    var found = who === "bot" ? TRACK_RE.exec(String(text || "")) : null;
    var url = null;
    if (found) { try { url = new URL(found[1]); } catch (e) { url = null; } }
    if (!url || url.origin !== base) { p.textContent = String(text === undefined || text === null ? "" : text); return p; }
    p.appendChild(document.createTextNode(text.slice(0, found.index)));
    var a = el("a", "h12345-track", found[1]);
    a.href = url.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    p.appendChild(a);
    p.appendChild(document.createTextNode(text.slice(found.index + found[1].length)));
    return p;
  }

  function addMessage(who, text, extra) {
    var item = el("li", "h12345-msg h12345-" + who);
    item.appendChild(el("span", "h12345-who", T[who] || who));
    item.appendChild(textWith(who, text));
    if (extra) { item.appendChild(extra); }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function buttonsFor(buttons) {
    if (!buttons || !buttons.length) { return null; }
    var row = el("div", "h12345-buttons");
    buttons.forEach(function (b) {
      var btn = el("button", "h12345-choice", b.title);
      btn.type = "button";
      btn.addEventListener("click", function () {
        Array.prototype.forEach.call(row.querySelectorAll("button"), function (x) { x.disabled = true; });
        send(b.payload, b.title);
      });
      row.appendChild(btn);
    });
    return row;
  }

  function showReplies(data) {
    (data.replies || []).forEach(function (r) {
      if (r.text || (r.buttons && r.buttons.length)) { addMessage("bot", r.text || "", buttonsFor(r.buttons)); }
    });
    if (data.ticket && data.ticket.reference) { root.setAttribute("data-reference", data.ticket.reference); }
    setStatus(data.status === "handed_off" ? T.waiting : "");
    if (data.last_message_id && data.last_message_id > after) { after = data.last_message_id; }
  }

  function setStatus(text) { status.textContent = text || ""; }

  function request(method, url, body) {
    return fetch(base + url, {
      method: method, headers: body ? {"Content-Type": "application/json"} : {},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) { throw new Error((data.error && data.error.message) || resp.status); }
        return data;
      });
    });
  }

  function send(text, shown, position) {
    text = (text || "").trim();
    if (busy || (!text && !position)) { return; }
    busy = true;
    sendBtn.disabled = true;
    addMessage("you", shown || text);
    var body = {text: text, lang: lang, client_message_id: Date.now().toString(36) + Math.random().toString(36).slice(2, 8)};
    if (position) { body.position = position; }
    if (conversationId) { body.conversation_id = conversationId; }
    request("POST", "/chat/api/messages", body).then(function (data) {
      conversationId = data.conversation_id;
      try { store.setItem(KEY, conversationId); } catch (e) { /* private mode: the chat lasts this page */ }
      showReplies(data);
      startPolling();
    }).catch(function () {
      setStatus(T.error);
    }).then(function () {
      busy = false;
      sendBtn.disabled = false;
      input.focus();
    });
  }

  function poll() {
    if (!conversationId) { return; }
    request("GET", "/chat/api/messages?conversation_id=" + encodeURIComponent(conversationId) + "&after=" + after)
      .then(function (data) {
        (data.messages || []).forEach(function (m) { addMessage("agent", m.text); });
        if (data.last_message_id > after) { after = data.last_message_id; }
        if (data.status === "handed_off" && !(data.messages || []).length && !status.textContent) { setStatus(T.waiting); }
        if (data.status !== "handed_off" && status.textContent === T.waiting) { setStatus(""); }
      }).catch(function () { /* the next poll tries again */ });
  }

  function startPolling() {
    // Agents' replies show within 3 s of being sent.
    if (!pollTimer) { pollTimer = window.setInterval(poll, 2000); }
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("h12345-open");
    if (!log.children.length) { addMessage("bot", T.welcome); }
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("h12345-open");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) { open(); } else { close(); } });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim()) { return; }
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (e) {
    // Enter sends, Shift+Enter is a new line (and Enter while composing Chinese picks a character).
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.dispatchEvent(new Event("submit")); }
    }
  });
  locateBtn.addEventListener("click", function () {
    // Only with the browser's permission; the position is sent once, for this message.
    navigator.geolocation.getCurrentPosition(function (p) {
      send("", T.located, {lat: p.coords.latitude, long: p.coords.longitude});
    }, function () { setStatus(T.noLocation); }, {timeout: 10000, maximumAge: 60000});
  });
  if (conversationId) { startPolling(); }

  window.Hotline12345Chat = {open: open, close: close, send: send};
})();
