/* The console's small scripts: inbox count in the tab title, live inbox, live chat, confirmations.
   Everything a citizen wrote is inserted with textContent, never as HTML. */
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var token = csrf ? csrf.getAttribute("content") : "";
  var titleEl = document.querySelector("title");
  var baseTitle = titleEl ? titleEl.getAttribute("data-base-title") : document.title;

  function getJSON(url) {
    return fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  function postJSON(url, data) {
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token},
      body: JSON.stringify(data)}).then(function (r) {
        return r.json().then(function (body) { if (!r.ok) { throw new Error((body.error && body.error.message) || ("HTTP " + r.status)); } return body; });
      });
  }

  /* Unread escalations: a badge in the nav and the count in the tab title. */
  function showCount(n) {
    var badge = document.getElementById("inbox-badge");
    if (badge) { badge.textContent = String(n); badge.hidden = n === 0; }
    document.title = (n > 0 ? "(" + n + ") " : "") + baseTitle;
  }
  var countUrl = document.body.getAttribute("data-inbox-count-url");
  function pollCount() {
    if (!countUrl) { return; }
    getJSON(countUrl).then(function (d) { showCount(d.unread); }).catch(function () {});
  }
  if (countUrl && !document.getElementById("inbox-list")) {
    pollCount();
    setInterval(pollCount, 10000);
  }

  /* The inbox page: new notifications appear without a reload. */
  var inbox = document.getElementById("inbox-list");
  if (inbox) {
    var feedUrl = inbox.getAttribute("data-feed-url");
    var markRead = inbox.getAttribute("data-mark-read") || "Mark read";  // in the page's language
    var renderInbox = function (d) {
      showCount(d.unread);
      var empty = document.getElementById("inbox-empty");
      if (empty) { empty.hidden = d.items.length > 0; }
      inbox.textContent = "";
      d.items.forEach(function (n) {
        var li = document.createElement("li");
        li.className = "inbox-item" + (n.read ? "" : " unread");
        li.setAttribute("data-id", String(n.id));
        var kind = document.createElement("span"); kind.className = "kind"; kind.textContent = n.kind_label || n.kind;
        kind.setAttribute("data-kind", n.kind);
        var when = document.createElement("span"); when.className = "muted"; when.textContent = " " + n.created_at + " ";
        li.appendChild(kind); li.appendChild(when);
        if (n.ticket_url) {
          var a = document.createElement("a"); a.href = n.ticket_url; a.textContent = n.reference; li.appendChild(a);
          li.appendChild(document.createTextNode(" "));
        }
        var msg = document.createElement("div"); msg.textContent = n.message; li.appendChild(msg);
        if (!n.read) {
          var b = document.createElement("button"); b.type = "button"; b.className = "secondary"; b.textContent = markRead;
          b.addEventListener("click", function () { postJSON(n.read_url, {}).then(pollInbox); });
          li.appendChild(b);
        }
        inbox.appendChild(li);
      });
    };
    var pollInbox = function () { getJSON(feedUrl).then(renderInbox).catch(function () {}); };
    pollInbox();
    setInterval(pollInbox, 3000);
  }

  /* Live chat: citizen messages appear within a second; replies are posted without a reload. */
  var chat = document.getElementById("chatbox");
  if (chat) {
    var msgsUrl = chat.getAttribute("data-messages-url");
    var replyUrl = chat.getAttribute("data-reply-url");
    var after = parseInt(chat.getAttribute("data-after") || "0", 10);
    var statusEl = document.getElementById("chat-status");
    var addMessage = function (m) {
      if (document.getElementById("m" + m.id)) { return; }
      var div = document.createElement("div");
      div.id = "m" + m.id;
      div.className = "msg msg-" + (m.sender === "system" ? "system" : m.direction);
      div.setAttribute("data-sender", m.sender);
      var meta = document.createElement("span"); meta.className = "meta"; meta.textContent = (m.sender_label || m.sender) + " · " + m.at;
      var body = document.createElement("span"); body.className = "body"; body.textContent = m.body;
      div.appendChild(meta); div.appendChild(body);
      chat.appendChild(div);
      chat.scrollTop = chat.scrollHeight;
      if (m.id > after) { after = m.id; }
    };
    var pollChat = function () {
      getJSON(msgsUrl + "?after=" + after).then(function (d) {
        d.messages.forEach(addMessage);
        if (statusEl) { statusEl.textContent = d.status_label || d.status; statusEl.setAttribute("data-status", d.status); }
      }).catch(function () {});
    };
    chat.scrollTop = chat.scrollHeight;
    setInterval(pollChat, 1000);
    var form = document.getElementById("reply-form");
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var box = form.querySelector("textarea");
        var text = box.value;
        if (!text.trim()) { return; }
        var err = document.getElementById("reply-error");
        postJSON(replyUrl, {body: text}).then(function (d) {
          box.value = ""; if (err) { err.textContent = ""; }
          addMessage(d.message);
        }).catch(function (e) { if (err) { err.textContent = e.message; } });
      });
      form.querySelector("textarea").addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
      });
    }
  }

  /* Whistle form: another department row on demand. */
  var addRow = document.getElementById("add-whistle-row");
  if (addRow) {
    addRow.addEventListener("click", function () {
      var rows = document.querySelectorAll(".whistle-row");
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("select, textarea, input").forEach(function (el) { el.value = ""; });
      rows[rows.length - 1].after(copy);
    });
  }

  /* Forms that need a second thought. */
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (ev) { if (!window.confirm(f.getAttribute("data-confirm"))) { ev.preventDefault(); } });
  });
})();
