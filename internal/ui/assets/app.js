// mailferry ui: the wizard. It only collects choices and shows what the
// mailferry binary reports; every step runs on the server (plan, copy,
// verify, quota). Texts come from mailferry's message catalogue
// (internal/i18n): the key is the English text.
"use strict";

const S = {
  lang: "en",
  strings: {},
  step: "source",
  source: { kind: "thunderbird", security: "tls" },
  target: { kind: "imap", security: "tls" },
  profiles: null,
  plan: null, // JobState of the last plan
  copy: null,
  verify: null,
  testTarget: null,
  testSource: null,
  arch: null, // the archive page: {dest, mode, older, until, plan, run}
  browse: null, // {role, field, listing}
  busy: false,
};

// ---- text ----

function t(key, ...args) {
  const tab = S.strings[S.lang] || {};
  let s = Object.prototype.hasOwnProperty.call(tab, key) ? tab[key] : key;
  let next = 0;
  return s.replace(/%(\[(\d+)\])?([sdv%])/g, (m, _i, idx, verb) => {
    if (verb === "%") return "%";
    let i = idx ? Number(idx) - 1 : next;
    next = i + 1;
    const v = args[i];
    return v === undefined ? "" : String(v);
  });
}

function bytes(n) {
  if (n === undefined || n === null) return "?";
  if (n < 0) return "-" + bytes(-n);
  const unit = 1024;
  if (n < unit) return n + " B";
  let div = unit, exp = 0;
  for (let m = Math.floor(n / unit); m >= unit && exp < 4; m = Math.floor(m / unit)) {
    div *= unit;
    exp++;
  }
  return (n / div).toFixed(1) + " " + "KMGTP"[exp] + "iB";
}

function num(n) {
  return (n || 0).toLocaleString(S.lang === "ja" ? "ja-JP" : "en-US");
}

// count is n with its noun, singular or plural.
function count(n, one, many) {
  return n === 1 ? t(one) : t(many, num(n));
}

function duration(sec) {
  sec = Math.max(0, Math.round(sec));
  const h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
  if (h > 0) return t("%d h %d min", h, m);
  if (m > 0) return t("%d min %d s", m, s);
  return t("%d s", s);
}

// ---- DOM ----

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = !!v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of kids.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// add appends the kids that are not null.
function add(el, ...kids) {
  for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) el.append(k);
}

const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of kids.flat()) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// ---- server ----

async function api(path, body) {
  const opt = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const r = await fetch(path, opt);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (!r.ok) throw new Error((data && data.error) || r.status + " " + r.statusText);
  return data;
}

// follow streams a job's state (server-sent events) into onState until it ends.
function follow(job, onState) {
  return new Promise((resolve) => {
    const es = new EventSource("/api/events?id=" + job.id);
    es.addEventListener("state", (e) => onState(JSON.parse(e.data)));
    es.addEventListener("end", (e) => {
      es.close();
      const st = JSON.parse(e.data);
      onState(st);
      resolve(st);
    });
    es.onerror = () => {
      // The server ended the stream or went away: ask once more.
      es.close();
      api("/api/job?id=" + job.id).then((st) => { onState(st); resolve(st); }, () => resolve(null));
    };
  });
}

async function runStep(action, onState, extra) {
  const body = Object.assign({ action, source: S.source, target: S.target }, extra || {});
  const job = await api("/api/run?lang=" + S.lang, body);
  onState(job);
  return follow(job, onState);
}

// ---- page ----

const STEPS = [
  ["source", "Source"],
  ["target", "Target"],
  ["plan", "Plan"],
  ["copy", "Copy"],
  ["result", "Result"],
];

function go(step) {
  S.step = step;
  S.browse = null;
  render();
  window.scrollTo(0, 0);
}

function render() {
  document.documentElement.lang = S.lang;
  document.title = "mailferry — " + t("Move your mail");
  for (const b of document.querySelectorAll("#langs button")) b.setAttribute("aria-pressed", String(b.dataset.lang === S.lang));
  const nav = document.getElementById("steps");
  nav.replaceChildren(h("ol", {}, STEPS.map(([id, label], i) =>
    h("li", { class: id === S.step ? "current" : "", "data-step": id }, h("span", { class: "num" }, String(i + 1)), " ", t(label)))));
  const app = document.getElementById("app");
  const page = { source: pageSource, target: pageTarget, plan: pagePlan, copy: pageCopy, result: pageResult, archive: pageArchive }[S.step]();
  app.replaceChildren(page);
  document.getElementById("foot").replaceChildren(
    t("mailferry runs on this computer only. Passwords stay in its memory until you close it."));
}

function field(label, input, help) {
  return h("label", { class: "field" }, h("span", { class: "label" }, label), input, help ? h("span", { class: "help" }, help) : null);
}

function textInput(obj, key, attrs) {
  return h("input", Object.assign({ type: "text", value: obj[key] || "", oninput: (e) => { obj[key] = e.target.value; } }, attrs || {}));
}

function choice(name, options, current, onpick) {
  return h("div", { class: "choices", role: "radiogroup" }, options.map(([value, label, help]) =>
    h("label", { class: "choice" + (value === current ? " picked" : "") },
      h("input", { type: "radio", name, value, checked: value === current, onchange: () => onpick(value) }),
      h("span", { class: "choice-label" }, label),
      help ? h("span", { class: "help" }, help) : null)));
}

function buttons(...bs) {
  return h("div", { class: "buttons" }, bs);
}

function errorBox(msg) {
  return h("div", { class: "box bad", role: "alert" }, msg);
}

// ---- 1. source ----

const SOURCE_KINDS = [
  ["thunderbird", "Thunderbird on this computer", "Local Folders and POP accounts, found automatically"],
  ["pst", "An Outlook file (.pst or .ost)", ""],
  ["msg", "A folder of Outlook .msg files", ""],
  ["eml", "A folder of .eml files", ""],
  ["maildir", "A Maildir folder", ""],
  ["mbox", "An mbox file or a folder of them", ""],
  ["imap", "An IMAP account", "the old server"],
  ["pop3", "A POP3 account", "what the server still keeps"],
];

function pageSource() {
  const src = S.source;
  const body = h("section", { class: "card", id: "page-source" },
    h("h2", {}, t("Where is your mail now?")),
    choice("source-kind", SOURCE_KINDS.map(([v, l, hp]) => [v, t(l), hp ? t(hp) : ""]), src.kind, (v) => {
      S.source = { kind: v, security: "tls" };
      S.testSource = null;
      render();
    }));
  if (src.kind === "thunderbird") add(body, thunderbirdPicker());
  else if (src.kind === "imap" || src.kind === "pop3") add(body, accountForm(src, "source"));
  else add(body, pathField(src, "source", src.kind === "pst" || src.kind === "mbox"));
  add(body, buttons(
    h("button", { type: "button", class: "primary", id: "next-source", onclick: () => go("target") }, t("Next: the target"))));
  return body;
}

function thunderbirdPicker() {
  const box = h("div", { class: "tb" });
  if (S.profiles === null) {
    add(box, h("p", { class: "wait" }, t("Looking for Thunderbird profiles…")));
    api("/api/thunderbird").then((d) => { S.profiles = d; render(); }, (e) => { S.profiles = { profiles: [], error: e.message }; render(); });
    return box;
  }
  const ps = S.profiles.profiles || [];
  if (ps.length === 0) {
    add(box, h("p", {}, t("No Thunderbird profile was found on this computer. Choose the profile folder (the one with prefs.js) yourself:")));
    add(box, pathField(S.source, "source", false));
    return box;
  }
  if (!S.source.path) {
    const def = ps.find((p) => p.default && !p.error) || ps.find((p) => !p.error) || ps[0];
    S.source.path = def.path;
    S.source.account = "";
  }
  for (const p of ps) {
    const sel = S.source.path === p.path;
    const card = h("div", { class: "profile" + (sel ? " picked" : "") },
      h("h3", {}, t("Profile %s", p.name), p.default ? h("span", { class: "tag" }, t("default")) : null),
      h("div", { class: "path" }, p.path));
    if (p.error) {
      add(card, errorBox(p.error));
    } else {
      const opts = [["", t("All accounts of this profile, merged into one mailbox"), ""]];
      for (const a of p.accounts) {
        let label = t("Local Folders");
        if (a.pop) label = (a.label !== a.name ? a.label + " — " + a.name : a.name) + " (" + t("POP account") + ")";
        opts.push([a.name, label, [count(a.messages, "1 message", "%d messages"), count(a.folders, "1 folder", "%d folders"), bytes(a.bytes)].join(" · ")]);
      }
      add(card, h("div", { class: "accounts" }, opts.map(([name, label, help]) =>
        h("label", { class: "choice" + (sel && (S.source.account || "") === name ? " picked" : "") },
          h("input", { type: "radio", name: "tb-account", value: name, "data-profile": p.path, checked: sel && (S.source.account || "") === name,
            onchange: () => { S.source.path = p.path; S.source.account = name; render(); } }),
          h("span", { class: "choice-label" }, label), help ? h("span", { class: "help" }, help) : null))));
      for (const n of p.notes || []) add(card, h("p", { class: "note" }, n));
    }
    add(box, card);
  }
  return box;
}

function accountForm(st, role) {
  const pop = st.kind === "pop3";
  const tlsPort = pop ? 995 : 993, plainPort = pop ? 110 : 143;
  if (!st.port) st.port = st.security === "starttls" ? plainPort : tlsPort;
  const test = role === "target" ? S.testTarget : S.testSource;
  const form = h("div", { class: "account" },
    field(t("Server"), textInput(st, "host", { id: role + "-host", placeholder: "mail.example.com", autocomplete: "off" })),
    field(t("User name"), textInput(st, "user", { id: role + "-user", placeholder: "info@example.co.jp", autocomplete: "username" })),
    field(t("Password"), h("input", { type: "password", id: role + "-password", value: st.password || "", autocomplete: "current-password",
      oninput: (e) => { st.password = e.target.value; } }),
    t("Kept only in mailferry's memory on this computer, for this session.")),
    h("fieldset", { class: "security" }, h("legend", {}, t("Connection security")),
      choice(role + "-security", [
        ["tls", t("TLS (port %d)", tlsPort), t("Encrypted from the first byte. Choose this when your provider says SSL/TLS or port %d.", tlsPort)],
        ["starttls", t("STARTTLS (port %d)", plainPort), t("Starts plain and switches to encryption before the password is sent; mailferry refuses to log in if the server cannot switch. Choose this when your provider says STARTTLS or port %d.", plainPort)],
      ], st.security || "tls", (v) => { st.security = v; st.port = v === "tls" ? tlsPort : plainPort; render(); })),
    field(t("Port"), h("input", { type: "number", id: role + "-port", value: st.port, min: 1, max: 65535, oninput: (e) => { st.port = Number(e.target.value) || 0; } })));
  const testBtn = h("button", { type: "button", id: "test-" + role, disabled: S.busy, onclick: () => testLogin(role) }, t("Test login"));
  add(form, buttons(testBtn));
  if (test) add(form, testResult(test, role));
  return form;
}

async function testLogin(role) {
  const key = role === "target" ? "testTarget" : "testSource";
  S[key] = { running: true };
  S.busy = true;
  render();
  try {
    const st = await runStep(role === "target" ? "test-target" : "test-source", () => {});
    S[key] = st;
  } catch (e) {
    S[key] = { code: 1, error: e.message };
  }
  S.busy = false;
  render();
}

function testResult(st, role) {
  if (st.running) return h("p", { class: "wait", id: "test-result" }, t("Logging in…"));
  if (st.code !== 0) return h("div", { class: "box bad", id: "test-result", role: "alert" }, t("Login failed: %s", st.error || t("exit status %d", st.code)));
  if (role === "source") {
    let n = 0;
    for (const f of st.folders || []) n += Math.max(0, f.messages || 0);
    return h("div", { class: "box good", id: "test-result" }, t("Login works: %s, %s.", count((st.folders || []).length, "1 folder", "%d folders"), count(n, "1 message", "%d messages")));
  }
  const q = (st.quota || []).find((x) => x.known);
  if (!q) return h("div", { class: "box good", id: "test-result" }, t("Login works. The server does not report a quota."));
  if (q.limit < 0) return h("div", { class: "box good", id: "test-result" }, t("Login works. The box uses %s, without a limit.", bytes(q.used)));
  return h("div", { class: "box good", id: "test-result" }, t("Login works. The box uses %s of %s.", bytes(q.used), bytes(q.limit)));
}

function pathField(st, role, file) {
  const id = role + "-path";
  const wrap = h("div", { class: "pathfield" },
    field(file ? t("File") : t("Folder"), h("div", { class: "row" },
      textInput(st, "path", { id, placeholder: file ? "/home/me/Outlook.pst" : "/home/me/mail" }),
      h("button", { type: "button", onclick: () => openBrowser(role, st) }, t("Browse…")))));
  if (S.browse && S.browse.role === role) add(wrap, fileBrowser(st));
  return wrap;
}

async function openBrowser(role, st, path) {
  try {
    const l = await api("/api/files?path=" + encodeURIComponent(path || ""));
    S.browse = { role, listing: l };
  } catch (e) {
    S.browse = { role, listing: { entries: [] }, error: e.message };
  }
  render();
}

function fileBrowser(st) {
  const b = S.browse, l = b.listing;
  const list = h("ul", { class: "files" });
  if (l.path) list.append(h("li", {}, h("button", { type: "button", class: "link", onclick: () => openBrowser(b.role, st, l.parent || "") }, "⬆ " + t("Up"))));
  for (const e of l.entries || []) {
    list.append(h("li", {},
      h("button", { type: "button", class: "link", onclick: () => e.dir ? openBrowser(b.role, st, e.path) : (st.path = e.path, S.browse = null, render()) },
        (e.dir ? "📁 " : "📄 ") + e.name),
      e.dir ? h("button", { type: "button", class: "small", onclick: () => { st.path = e.path; S.browse = null; render(); } }, t("Choose")) : h("span", { class: "size" }, bytes(e.size))));
  }
  return h("div", { class: "browser" },
    h("div", { class: "where" }, l.path || t("Your home folder and drives")),
    b.error ? errorBox(b.error) : null,
    list,
    l.path ? buttons(h("button", { type: "button", onclick: () => { st.path = l.path; S.browse = null; render(); } }, t("Choose this folder"))) : null);
}

// ---- 2. target ----

function pageTarget() {
  const dst = S.target;
  const local = dst.kind !== "imap";
  const body = h("section", { class: "card", id: "page-target" },
    h("h2", {}, t("Where should the mail go?")),
    choice("target-kind", [
      ["imap", t("An IMAP mail account"), t("the new server: your provider gives you its name, your user name and password")],
      ["local", t("A folder on this computer or a drive"), t("a backup you can open later")],
    ], local ? "local" : "imap", (v) => {
      S.target = v === "imap" ? { kind: "imap", security: "tls" } : { kind: "maildir" };
      S.testTarget = null;
      render();
    }));
  if (!local) {
    add(body, accountForm(dst, "target"));
  } else {
    add(body, field(t("Format"), h("select", { id: "target-format", onchange: (e) => { dst.kind = e.target.value; } },
      [["maildir", "Maildir"], ["mbox", t("mbox (as Thunderbird keeps it)")], ["eml", t(".eml files, one per message")]].map(([v, l]) =>
        h("option", { value: v, selected: dst.kind === v ? "selected" : null }, l)))));
    add(body, pathField(dst, "target", false));
  }
  add(body, buttons(
    h("button", { type: "button", onclick: () => go("source") }, t("Back")),
    h("button", { type: "button", class: "primary", id: "next-target", onclick: () => { S.plan = null; go("plan"); } }, t("Next: the plan"))));
  return body;
}

// ---- 3. plan ----

function pagePlan() {
  const body = h("section", { class: "card", id: "page-plan" }, h("h2", {}, t("The plan")));
  if (S.plan === null) {
    S.plan = { running: true, scanned: 0 };
    runStep("plan", (st) => { S.plan = st; if (S.step === "plan") render(); }).catch((e) => { S.plan = { code: 1, error: e.message }; render(); });
  }
  const st = S.plan;
  if (st.running) {
    add(body, h("p", { class: "wait", id: "plan-wait" }, t("Reading the source and the target, comparing what is already there…"),
      st.folder ? h("span", { class: "sub" }, " " + st.folder) : null));
    return body;
  }
  const sum = st.summary;
  if (!sum) {
    add(body, errorBox(t("The plan could not be made: %s", st.error || t("exit status %d", st.code))));
    add(body, buttons(h("button", { type: "button", onclick: () => go("target") }, t("Back")),
      h("button", { type: "button", onclick: () => { S.plan = null; render(); } }, t("Try again"))));
    return body;
  }
  const tot = sum.totals || {};
  add(body, h("p", { class: "lead", id: "plan-lead" },
    t("%d messages in the source; %d to copy (%s), %d already in the target.", tot.messages, tot.new, bytes(tot.new_bytes), tot.duplicates)));
  for (const q of sum.quota || []) add(body, gauge(q, sum.dry_run));
  if (sum.quota_unknown) add(body, h("p", { class: "box warn" }, t("The target does not report a quota: mailferry cannot check that this copy fits.")));
  const fits = sum.fits !== false;
  if (!fits) {
    const q = (sum.quota || []).find((x) => x.known && !x.fits) || {};
    add(body, h("div", { class: "box bad", id: "refused", role: "alert" },
      h("strong", {}, t("This copy does not fit into the box.")), " ",
      t("It needs %s, but only %s may be used (%d%% of the limit).", bytes(q.need), bytes(Math.max(q.available || 0, 0)), Math.round((q.headroom || 0.9) * 100)),
      q.largest && q.largest.length ? h("div", {}, t("The largest folders to copy:"), h("ul", { id: "largest" }, q.largest.map((f) => h("li", {}, f)))) : null,
      h("p", {}, t("Make room first: mailferry archive moves old mail off the box into a folder on this computer, for example:")),
      h("pre", {}, "mailferry archive " + specOf(S.target) + " maildir:~/mail-archive --older-than 365d --until-usage 70%"),
      h("p", {}, t("Or ask your provider for a larger box, or copy fewer folders.")),
      S.target.kind === "imap" ? buttons(h("button", { type: "button", id: "to-archive", onclick: () => { S.arch = null; go("archive"); } }, t("Make room on this box"))) : null));
  }
  add(body, folderTable(sum, false));
  add(body, deletedNote(tot));
  add(body, problems(sum.problems));
  for (const n of sum.notes || []) add(body, h("p", { class: "note" }, n));
  add(body, buttons(
    h("button", { type: "button", onclick: () => go("target") }, t("Back")),
    h("button", { type: "button", onclick: () => { S.plan = null; render(); } }, t("Plan again")),
    fits ? h("button", { type: "button", class: "primary", id: "start-copy", onclick: startCopy }, t("Start the copy")) : null));
  return body;
}

function specOf(st) {
  if (st.kind === "imap") {
    const def = st.security === "starttls" ? 143 : 993;
    return (st.security === "starttls" ? "imap" : "imaps") + "://" + (st.user || "USER") + "@" + (st.host || "HOST") + (st.port && st.port !== def ? ":" + st.port : "");
  }
  return st.kind + ":" + (st.path || "");
}

// gauge draws the quota: used now, after the copy, the limit and the
// headroom line.
function gauge(q, dry, before) {
  if (!q.known) return null;
  if (q.limit < 0) return h("p", { class: "quota" }, t("The box uses %s and has no limit; this copy adds %s.", bytes(q.used), bytes(q.need)));
  const W = 600, H = 44, lim = Math.max(q.limit, 1);
  const after = q.used + q.need;
  const scale = Math.max(lim, after);
  const x = (v) => Math.round((Math.min(v, scale) / scale) * W);
  const over = after > q.limit * q.headroom;
  const svg = s("svg", { viewBox: `0 0 ${W} ${H + 26}`, class: "gauge-svg", role: "img", "aria-label": t("Quota") },
    s("rect", { x: 0, y: 6, width: x(lim), height: H - 12, rx: 4, class: "g-free" }),
    s("rect", { x: 0, y: 6, width: x(q.used), height: H - 12, rx: 4, class: "g-used" }),
    s("rect", { x: x(q.used), y: 6, width: Math.max(x(after) - x(q.used), q.need > 0 ? 2 : 0), height: H - 12, class: over ? "g-need over" : "g-need" }),
    s("line", { x1: x(lim * q.headroom), x2: x(lim * q.headroom), y1: 0, y2: H, class: "g-line" }),
    s("line", { x1: x(lim) - 1, x2: x(lim) - 1, y1: 0, y2: H, class: "g-limit" }),
    s("text", { x: Math.min(x(lim * q.headroom), W - 4), y: H + 18, class: "g-label", "text-anchor": "end" }, t("%d%% line", Math.round(q.headroom * 100))));
  const pct = (v) => Math.round((v / lim) * 1000) / 10;
  return h("div", { class: "gauge" + (over ? " over" : ""), id: "gauge", "data-root": q.root },
    h("h3", {}, /^disk\b/.test(q.root || "") ? t("How full the disk is") : t("How full the box is"), q.root ? h("span", { class: "sub" }, " " + q.root) : null),
    svg,
    h("dl", { class: "legend" },
      h("div", {}, h("dt", {}, h("span", { class: "key used" }), before ? t("Used before the copy") : t("Used now")), h("dd", {}, bytes(q.used) + " (" + pct(q.used) + "%)")),
      h("div", {}, h("dt", {}, h("span", { class: "key need" + (over ? " over" : "") }), dry ? t("After a copy") : t("After the copy")), h("dd", {}, bytes(after) + " (" + pct(after) + "%)")),
      h("div", {}, h("dt", {}, h("span", { class: "key limit" }), t("Limit")), h("dd", {}, bytes(q.limit))),
      h("div", {}, h("dt", {}, h("span", { class: "key line" }), t("Headroom line")), h("dd", {}, bytes(Math.round(q.limit * q.headroom)) + " (" + Math.round(q.headroom * 100) + "%)"))));
}

// copiedBytes is the share of the bytes to copy that was copied.
function copiedBytes(tot) {
  if (!tot.new) return 0;
  return Math.round((tot.new_bytes || 0) * (tot.copied || 0) / tot.new);
}

function folderTable(sum, copied) {
  const rows = (sum.folders || []).map((f) => h("tr", {},
    h("td", {}, f.source), h("td", {}, f.target_folder || f.target, f.exists ? null : h("span", { class: "tag" }, t("new"))),
    h("td", { class: "n" }, num(f.messages)),
    h("td", { class: "n" }, num(copied ? f.copied : f.new)),
    h("td", { class: "n" }, bytes(f.new_bytes)),
    h("td", { class: "n" }, num(f.duplicates)),
    h("td", { class: "n" }, num((f.skipped || 0) + (f.too_big || 0) + (f.deleted_skipped || 0))),
    h("td", { class: "n" }, num((f.errors || 0) + (f.failed || 0)))));
  return h("div", { class: "tablewrap" }, h("table", { class: "folders", id: "folders" },
    h("thead", {}, h("tr", {}, [t("Source folder"), t("Target folder"), t("Messages"), copied ? t("Copied") : t("To copy"), t("Size"), t("Already there"), t("Skipped"), t("Errors")].map((c) => h("th", {}, c)))),
    h("tbody", {}, rows)));
}

function deletedNote(tot) {
  if (!tot.deleted_skipped) return null;
  return h("p", { class: "note" }, t("%d messages marked deleted at the source (deleted in the old program, not yet compacted) are not copied.", tot.deleted_skipped));
}

function problems(list) {
  if (!list || list.length === 0) return null;
  return h("details", { class: "problems", open: list.length <= 20 },
    h("summary", {}, t("Not copied: %d messages, each with its reason", list.length)),
    h("ul", {}, list.map((p) => h("li", {}, h("span", { class: "tag" }, t(p.kind)), " ", p.folder, ": ", p.ref, " — ", p.reason))));
}

// ---- 4. copy ----

async function startCopy() {
  S.copy = { running: true, action: "copy" };
  S.verify = null;
  go("copy");
  try {
    const st = await runStep("copy", (st) => { S.copy = st; if (S.step === "copy") render(); });
    S.copy = st || S.copy;
  } catch (e) {
    S.copy = { code: 1, error: e.message };
  }
  if (S.copy && !S.copy.stopped && S.copy.summary && (S.copy.code === 0 || S.copy.code === 3)) {
    go("result");
    runVerify();
  } else {
    render();
  }
}

function pageCopy() {
  const st = S.copy || {};
  const body = h("section", { class: "card", id: "page-copy" }, h("h2", {}, st.running ? t("Copying") : t("Copy")));
  if (st.running && st.phase !== "copy") {
    add(body, h("p", { class: "wait" }, t("Reading the source and the target, comparing what is already there…")));
  }
  const tm = st.total_messages || 0, tb = st.total_bytes || 0;
  const pm = tm ? (st.done_messages || 0) / tm : 0, pb = tb ? (st.done_bytes || 0) / tb : pm;
  add(body, h("div", { class: "progress", id: "progress" },
    h("div", { class: "bar" }, (() => { const d = h("div", { class: "fill" }); d.style.width = (Math.min(pb, 1) * 100).toFixed(1) + "%"; return d; })()),
    h("dl", { class: "legend" },
      h("div", {}, h("dt", {}, t("Messages")), h("dd", { id: "p-msgs" }, t("%d of %d", st.done_messages || 0, tm))),
      h("div", {}, h("dt", {}, t("Data")), h("dd", { id: "p-bytes" }, t("%s of %s", bytes(st.done_bytes || 0), bytes(tb)))),
      h("div", {}, h("dt", {}, t("Folders done")), h("dd", {}, String(st.folders_done || 0))),
      h("div", {}, h("dt", {}, t("Time")), h("dd", {}, duration(st.elapsed_seconds || 0),
        st.running && st.eta_seconds > 0 ? " · " + t("about %s left", duration(st.eta_seconds)) : ""))),
    st.folder ? h("p", { class: "sub", id: "p-folder" }, t("Folder %s → %s", st.folder, st.target || "")) : null));
  if ((st.errors || []).length) {
    add(body, h("details", { class: "problems" }, h("summary", {}, t("Problems so far: %d", st.errors.length)),
      h("ul", {}, st.errors.map((e) => h("li", {}, e.ref || e.folder, ": ", e.reason)))));
  }
  if (st.running) {
    add(body, buttons(h("button", { type: "button", class: "danger", id: "stop", onclick: () => api("/api/stop", { id: st.id }).catch(() => {}) }, t("Stop"))));
    if (st.stopped) add(body, h("p", { class: "wait" }, t("Stopping after the message in flight…")));
    return body;
  }
  if (st.stopped || st.code === 130) {
    add(body, h("div", { class: "box warn", id: "stopped" }, t("Stopped. What was copied stays in the target; copy again to finish the job (nothing is copied twice).")));
  } else if (st.code === 4) {
    add(body, errorBox(t("The target's quota refused the copy: %s", st.error || "")));
  } else if (!st.summary) {
    add(body, errorBox(t("The copy failed: %s", st.error || t("exit status %d", st.code))));
  }
  add(body, buttons(
    h("button", { type: "button", onclick: () => { S.plan = null; go("plan"); } }, t("Back to the plan")),
    h("button", { type: "button", class: "primary", id: "copy-again", onclick: startCopy }, t("Copy again"))));
  return body;
}

// ---- 5. result ----

async function runVerify() {
  S.verify = { running: true };
  render();
  try {
    S.verify = await runStep("verify", (st) => { S.verify = st; if (S.step === "result") render(); });
  } catch (e) {
    S.verify = { code: 1, error: e.message };
  }
  render();
}

function pageResult() {
  const st = S.copy || {};
  const sum = st.summary || {};
  const tot = sum.totals || {};
  const body = h("section", { class: "card", id: "page-result" }, h("h2", {}, t("Done")));
  const ok = st.code === 0;
  add(body, h("div", { class: "box " + (ok ? "good" : "warn"), id: "result-lead" },
    ok ? t("All messages are in the target.") : t("The copy finished, but some messages were not copied; they are listed below with the reason.")));
  add(body, h("dl", { class: "totals", id: "totals" },
    [[t("Copied"), num(tot.copied) + " (" + bytes(copiedBytes(tot)) + ")"], [t("Already there"), num(tot.duplicates)],
      [t("Skipped"), num((tot.skipped || 0) + (tot.too_big || 0) + (tot.deleted_skipped || 0))], [t("Errors"), num((tot.errors || 0) + (tot.failed || 0))],
      [t("Time"), duration(sum.elapsed_seconds || 0)]].map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v)))));
  for (const q of sum.quota || []) {
    if (q.known) add(body, gauge(Object.assign({}, q, { need: copiedBytes(tot) }), false, true));
  }
  add(body, folderTable(sum, true));
  add(body, deletedNote(tot));
  add(body, problems(sum.problems));
  const v = S.verify;
  const vb = h("div", { class: "verify", id: "verify" }, h("h3", {}, t("Check")));
  if (!v || v.running) add(vb, h("p", { class: "wait" }, t("Checking that every message is in the target…")));
  else if (v.verify) {
    const vs = JSON.parse(JSON.stringify(v.verify));
    const vt = vs.totals || {};
    add(vb, vs.complete
      ? h("div", { class: "box good", id: "verify-result" }, t("Verified: all %d messages are in the target.", vt.present))
      : h("div", { class: "box bad", id: "verify-result" }, t("Verified: %d present, %d missing, %d differing, %d unreadable.", vt.present, vt.missing, vt.differing, vt.errors)));
  } else add(vb, errorBox(t("The check failed: %s", v.error || t("exit status %d", v.code))));
  add(body, vb);
  add(body, buttons(
    h("a", { class: "button primary", id: "download-report", href: "/api/report?lang=" + S.lang, download: "mailferry-report.html" }, t("Download the report")),
    h("button", { type: "button", onclick: () => { S.plan = null; go("plan"); } }, t("Plan again"))));
  return body;
}

// ---- archive: make room on the target box ----

function archSpec() {
  return { archive: S.arch.dest, older_than: S.arch.mode === "older" ? S.arch.older : "", until_usage: S.arch.mode === "until" ? String(S.arch.until) : "" };
}

async function runArchive(action) {
  const key = action === "archive" ? "run" : "plan";
  S.arch[key] = { running: true };
  if (action === "archive-plan") S.arch.run = null;
  render();
  const extra = archSpec();
  try {
    S.arch[key] = await runStep(action, (st) => { S.arch[key] = st; if (S.step === "archive") render(); }, extra);
  } catch (e) {
    S.arch[key] = { code: 1, error: e.message };
  }
  render();
}

// archiveGauge shows the box before and after the archive.
function archiveGauge(before, after, limit) {
  if (!(limit > 0)) return h("p", { class: "quota" }, t("The box uses %s; after the archive %s.", bytes(before), bytes(after)));
  const W = 600, x = (v) => Math.round((Math.min(Math.max(v, 0), limit) / limit) * W);
  const row = (y, v, cls) => [s("rect", { x: 0, y, width: W, height: 18, rx: 3, class: "g-free" }), s("rect", { x: 0, y, width: x(v), height: 18, rx: 3, class: cls })];
  const pct = (v) => Math.round((v / limit) * 1000) / 10;
  return h("div", { class: "gauge", id: "archive-gauge" },
    h("h3", {}, t("How full the box is")),
    s("svg", { viewBox: `0 0 ${W} 64`, class: "gauge-svg", role: "img", "aria-label": t("Quota") },
      row(4, before, "g-used"), row(34, after, "g-need"),
      s("line", { x1: x(limit * 0.9), x2: x(limit * 0.9), y1: 0, y2: 58, class: "g-line" })),
    h("dl", { class: "legend" },
      h("div", {}, h("dt", {}, h("span", { class: "key used" }), t("Used now")), h("dd", {}, bytes(before) + " (" + pct(before) + "%)")),
      h("div", {}, h("dt", {}, h("span", { class: "key need" }), t("After the archive")), h("dd", {}, bytes(after) + " (" + pct(after) + "%)")),
      h("div", {}, h("dt", {}, h("span", { class: "key limit" }), t("Limit")), h("dd", {}, bytes(limit))),
      h("div", {}, h("dt", {}, h("span", { class: "key line" }), t("Headroom line")), h("dd", {}, "90%"))));
}

function archiveResult(st, done) {
  if (st.running) return h("p", { class: "wait", id: done ? "archive-wait" : "archive-plan-wait" }, done ? t("Archiving: copying, reading the copies back, then deleting from the server…") : t("Looking at the box…"));
  if (!st.archive) {
    const why = st.error || t("exit status %d", st.code);
    return errorBox(done ? t("The archive failed: %s", why) : t("The archive plan could not be made: %s", why));
  }
  const a = st.archive;
  const box = h("div", { id: done ? "archive-result" : "archive-plan" });
  let selN = 0, selB = 0;
  for (const f of a.folders || []) { selN += f.selected || 0; selB += f.selected_bytes || 0; }
  // A dry run reports the usage of now; after is what would leave (as the
  // command line's dry run says it).
  if (a.quota_known) add(box, archiveGauge(a.used_before, done ? a.used_after : Math.max(a.used_before - selB, 0), a.limit));
  if (done) {
    add(box, h("div", { class: "box " + (st.code === 0 ? "good" : "warn"), id: "archive-lead" },
      t("%s moved to the archive (%s); %s left on the server.", count(a.moved, "1 message", "%d messages"), bytes(a.moved_bytes), count(a.left, "1 message", "%d messages"))));
  } else {
    add(box, h("p", { class: "lead", id: "archive-plan-lead" }, selN === 0 ? t("No message is old enough to leave.") : t("%s (%s) would move to the archive.", count(selN, "1 message", "%d messages"), bytes(selB))));
    add(box, h("div", { class: "tablewrap" }, h("table", { class: "folders" },
      h("thead", {}, h("tr", {}, [t("Folder"), t("Messages"), t("Size")].map((c) => h("th", {}, c)))),
      h("tbody", {}, (a.folders || []).filter((f) => f.selected > 0).map((f) => h("tr", {}, h("td", {}, f.folder), h("td", { class: "n" }, num(f.selected)), h("td", { class: "n" }, bytes(f.selected_bytes))))))));
  }
  for (const p of a.problems || []) add(box, h("p", { class: "note" }, p.folder + " " + p.uid + ": " + p.reason));
  return box;
}

function pageArchive() {
  if (!S.arch) S.arch = { dest: { kind: "mbox", path: "" }, mode: "older", older: "365d", until: 70, plan: null, run: null };
  const A = S.arch;
  const body = h("section", { class: "card", id: "page-archive" }, h("h2", {}, t("Make room on the box")),
    h("p", {}, t("Old mail moves from the box into a folder on this computer or a drive, where Thunderbird can open it. A message is deleted from the server only after its copy in the archive was read back and found identical.")));
  if (S.target.kind !== "imap") {
    add(body, errorBox(t("The box must be an IMAP account: choose it as the target first.")));
    add(body, buttons(h("button", { type: "button", onclick: () => go("target") }, t("Back"))));
    return body;
  }
  add(body, h("p", {}, t("Box: %s", specOf(S.target))));
  add(body, h("fieldset", { class: "security" }, h("legend", {}, t("Which mail leaves")),
    choice("archive-mode", [
      ["older", t("Mail older than"), ""],
      ["until", t("The oldest mail, until the box is at most this full"), ""],
    ], A.mode, (v) => { A.mode = v; render(); }),
    A.mode === "older"
      ? field(t("Older than"), h("select", { id: "archive-older", onchange: (e) => { A.older = e.target.value; } },
        [["180d", t("half a year")], ["365d", t("one year")], ["730d", t("two years")], ["1825d", t("five years")]].map(([v, l]) =>
          h("option", { value: v, selected: A.older === v ? "selected" : null }, l))))
      : field(t("At most this full, in percent"), h("input", { type: "number", id: "archive-until", min: 10, max: 95, value: A.until, oninput: (e) => { A.until = Number(e.target.value) || 70; } }))));
  add(body, field(t("Format"), h("select", { id: "archive-format", onchange: (e) => { A.dest.kind = e.target.value; } },
    [["mbox", t("mbox (as Thunderbird keeps it)")], ["maildir", "Maildir"], ["eml", t(".eml files, one per message")]].map(([v, l]) =>
      h("option", { value: v, selected: A.dest.kind === v ? "selected" : null }, l)))));
  add(body, pathField(A.dest, "archive", false));
  const busy = (A.plan && A.plan.running) || (A.run && A.run.running);
  add(body, buttons(
    h("button", { type: "button", id: "archive-back", onclick: () => { S.plan = null; go("plan"); } }, t("Back to the plan")),
    h("button", { type: "button", id: "archive-show", disabled: busy, onclick: () => runArchive("archive-plan") }, t("Show what would leave"))));
  if (A.plan && !A.run) add(body, archiveResult(A.plan, false));
  if (A.plan && A.plan.archive && !A.plan.running && !A.run) {
    let n = 0;
    for (const f of A.plan.archive.folders || []) n += f.selected || 0;
    if (n > 0) add(body, buttons(h("button", { type: "button", class: "primary", id: "archive-run", onclick: () => runArchive("archive") }, t("Free the space: archive now"))));
  }
  if (A.run) add(body, archiveResult(A.run, true));
  return body;
}

// ---- start ----

async function setLang(l) {
  S.lang = l;
  try { localStorage.setItem("mailferry-lang", l); } catch (e) { /* private mode */ }
  render();
}

async function main() {
  for (const b of document.querySelectorAll("#langs button")) b.addEventListener("click", () => setLang(b.dataset.lang));
  try {
    const hello = await api("/api/hello");
    S.strings = hello.strings || {};
    // After a reload: the choices of the session (the passwords stay on
    // the server, which keeps using them for the same account).
    if (hello.source && hello.source.kind) S.source = hello.source;
    if (hello.target && hello.target.kind) S.target = hello.target;
    let l = hello.lang;
    try { l = localStorage.getItem("mailferry-lang") || l; } catch (e) { /* private mode */ }
    S.lang = l === "ja" ? "ja" : "en";
  } catch (e) {
    document.getElementById("app").replaceChildren(errorBox(e.message));
    return;
  }
  render();
}

main();
