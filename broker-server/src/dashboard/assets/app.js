// The dashboard's pages: plain JS over the console's JSON API (rocketmq-dashboard's paths).
"use strict";
const $ = sel => document.querySelector(sel);
const main = () => $("#main");

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

function table(id, headers, rows) {
  return h("table", { id },
    h("thead", {}, h("tr", {}, headers.map(c => h("th", { class: c.num ? "num" : null }, c.label || c)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: headers.length, class: "muted" }, "Nothing here."))));
}

const num = v => h("td", { class: "num" }, v);
const fmtTime = ms => (ms && ms > 0) ? new Date(ms).toLocaleString() : "-";

function showError(message) {
  const e = $("#error");
  e.textContent = message;
  e.hidden = !message;
}
function showNotice(message) {
  const n = $("#notice");
  n.textContent = message;
  n.hidden = !message;
  if (message) setTimeout(() => { if (n.textContent === message) n.hidden = true; }, 6000);
}

// Calls the API; a failure (the envelope's errMsg, an HTTP error, no server) throws a message.
async function api(path, opts) {
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (e) {
    throw new Error("The dashboard server cannot be reached: " + e.message);
  }
  let body;
  try { body = await resp.json(); } catch (e) { throw new Error("HTTP " + resp.status + " from " + path); }
  if (body.status !== 0) throw new Error(body.errMsg || ("HTTP " + resp.status));
  return body.data;
}
const post = (path, data) => api(path, {
  method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data ?? {}),
});

// Runs an action, showing its error in the page instead of failing silently.
async function guard(action) {
  try { showError(""); return await action(); } catch (e) { showError(e.message); return undefined; }
}

// ---- Cluster -------------------------------------------------------------------------------
async function clusterPage() {
  const root = h("div", { id: "page-cluster" }, h("h2", {}, "Cluster"));
  main().replaceChildren(root);
  const data = await api("/cluster/list.query");
  const info = data.clusterInfo;
  const rows = [];
  for (const [cluster, names] of Object.entries(info.clusterAddrTable)) {
    for (const name of [...names].sort()) {
      const broker = info.brokerAddrTable[name];
      for (const [id, addr] of Object.entries(broker.brokerAddrs)) {
        const kv = (data.brokerServer[name] || {})[id] || {};
        const tps = k => (kv[k] || "").split(" ")[0] || "-";
        rows.push(h("tr", { "data-broker": addr },
          h("td", {}, cluster), h("td", {}, name), num(id === "0" ? "0 (master)" : id + " (slave)"),
          h("td", {}, addr), h("td", {}, kv.brokerVersionDesc || kv.error || "-"),
          num(tps("putTps")), num(tps("getTransferedTps")),
          num(kv.msgPutTotalTodayNow ?? "-"), num(kv.msgGetTotalTodayNow ?? "-"),
          num(kv.commitLogDiskRatio ? (parseFloat(kv.commitLogDiskRatio) * 100).toFixed(1) + "%" : "-"),
          h("td", {},
            h("button", { onclick: () => guard(() => kvPanel("Status of " + addr, kv)) }, "Status"),
            h("button", { onclick: () => guard(async () => kvPanel("Config of " + addr, await api("/cluster/brokerConfig.query?brokerAddr=" + encodeURIComponent(addr)))) }, "Config"))));
      }
    }
  }
  root.append(table("brokers", ["Cluster", "Broker Name", { label: "BID", num: 1 }, "Address", "Version",
    { label: "Put TPS", num: 1 }, { label: "Get TPS", num: 1 }, { label: "In Today", num: 1 },
    { label: "Out Today", num: 1 }, { label: "Disk", num: 1 }, ""], rows));
  const canvas = h("canvas", { class: "chart", id: "broker-chart" });
  root.append(h("h3", {}, "Broker TPS, last hour"), canvas, h("div", { id: "detail" }));
  const tps = await api("/dashboard/tps.query");
  const series = [];
  for (const [addr, pts] of Object.entries(tps.brokers)) {
    series.push({ name: addr + " put", points: pts.map(p => [p[0], p[1]]) });
    series.push({ name: addr + " get", points: pts.map(p => [p[0], p[2]]) });
  }
  drawChart(canvas, series, "msg/s");
}

function kvPanel(title, kv) {
  const rows = Object.keys(kv).sort().map(k => h("tr", {}, h("td", {}, k), h("td", {}, String(kv[k]))));
  $("#detail").replaceChildren(h("div", { class: "panel" }, h("h3", {}, title), h("table", { class: "kv" }, h("tbody", {}, rows))));
}

// ---- Topics --------------------------------------------------------------------------------
async function topicPage() {
  const root = h("div", { id: "page-topic" }, h("h2", {}, "Topics"));
  main().replaceChildren(root);
  const [list, cluster] = await Promise.all([api("/topic/list.query"), api("/cluster/list.query")]);
  const kinds = { NORMAL: true, RETRY: false, DLQ: false, SYSTEM: false };
  const search = h("input", { id: "topic-search", placeholder: "Search topics" });
  const body = h("div", {});
  const render = () => {
    const q = search.value.trim().toLowerCase();
    const rows = list.topics.filter(t => kinds[t.kind] && t.name.toLowerCase().includes(q)).map(t =>
      h("tr", { "data-topic": t.name }, h("td", {}, t.name), h("td", {}, t.kind), h("td", {},
        h("button", { onclick: () => guard(() => topicStatus(t.name)) }, "Status"),
        h("button", { onclick: () => guard(() => topicRoute(t.name)) }, "Route"),
        h("button", { onclick: () => guard(() => topicConsumers(t.name)) }, "Consumers"),
        h("button", { onclick: () => sendForm(t.name) }, "Send"),
        h("button", { class: "danger", onclick: () => guard(() => deleteTopic(t.name)) }, "Delete"))));
    body.replaceChildren(table("topics", ["Topic", "Kind", ""], rows));
  };
  search.addEventListener("input", render);
  const filters = Object.keys(kinds).map(k => h("label", {}, h("input", {
    type: "checkbox", id: "filter-" + k.toLowerCase(), checked: kinds[k] || null,
    onchange: e => { kinds[k] = e.target.checked; render(); },
  }), k.toLowerCase()));
  const clusters = Object.keys(cluster.clusterInfo.clusterAddrTable);
  const name = h("input", { id: "new-topic", placeholder: "Topic name", required: true });
  const where = h("select", { id: "new-topic-cluster" }, clusters.map(c => h("option", { value: c }, c)));
  const reads = h("input", { id: "new-topic-read", type: "number", min: 1, value: 8, style: "width:70px" });
  const writes = h("input", { id: "new-topic-write", type: "number", min: 1, value: 8, style: "width:70px" });
  const perm = h("select", { id: "new-topic-perm" }, [["6", "RW"], ["4", "R"], ["2", "W"]].map(([v, l]) => h("option", { value: v }, l)));
  const create = h("form", { class: "bar", id: "create-topic", onsubmit: e => { e.preventDefault(); guard(async () => {
    await post("/topic/createOrUpdate.do", { clusterNameList: [where.value], topicName: name.value.trim(),
      readQueueNums: +reads.value, writeQueueNums: +writes.value, perm: +perm.value });
    showNotice("Topic " + name.value.trim() + " created or updated.");
    await topicPage();
  }); } }, h("b", {}, "Create or update:"), name, where, h("label", {}, "read", reads), h("label", {}, "write", writes),
    h("label", {}, "perm", perm), h("button", { class: "primary", type: "submit" }, "Save"));
  root.append(create, h("div", { class: "bar" }, search, filters), body, h("div", { id: "detail" }));
  render();
}

async function topicStatus(topic) {
  const s = await api("/topic/stats.query?topic=" + encodeURIComponent(topic));
  const rows = s.queues.map(q => h("tr", {}, h("td", {}, q.brokerName), num(q.queueId), num(q.minOffset), num(q.maxOffset), h("td", {}, fmtTime(q.lastUpdateTimestamp))));
  const canvas = h("canvas", { class: "chart", id: "topic-chart" });
  $("#detail").replaceChildren(h("div", { class: "panel", id: "topic-status" }, h("h3", {}, "Status of " + topic),
    table("topic-queues", ["Broker", { label: "Queue", num: 1 }, { label: "Min Offset", num: 1 }, { label: "Max Offset", num: 1 }, "Last Update"], rows),
    h("h3", {}, "Incoming TPS, last hour"), canvas));
  const tps = await api("/dashboard/tps.query");
  drawChart(canvas, [{ name: topic, points: (tps.topics[topic] || []).map(p => [p[0], p[1]]) }], "msg/s");
}

async function topicRoute(topic) {
  const r = await api("/topic/route.query?topic=" + encodeURIComponent(topic));
  $("#detail").replaceChildren(h("div", { class: "panel" }, h("h3", {}, "Route of " + topic), h("pre", { id: "topic-route" }, JSON.stringify(r, null, 2))));
}

async function topicConsumers(topic) {
  const groups = await api("/topic/queryConsumerByTopic.query?topic=" + encodeURIComponent(topic));
  const rows = groups.map(g => h("tr", {}, h("td", {}, h("a", { href: "#/consumer/" + encodeURIComponent(g.group) }, g.group)), num(g.diffTotal)));
  $("#detail").replaceChildren(h("div", { class: "panel" }, h("h3", {}, "Consumer groups of " + topic), table("topic-consumers", ["Group", { label: "Diff Total", num: 1 }], rows)));
}

async function deleteTopic(topic) {
  if (!confirm("Delete topic " + topic + " from the cluster and the name servers?")) return;
  await post("/topic/deleteTopic.do?topic=" + encodeURIComponent(topic));
  showNotice("Topic " + topic + " deleted.");
  await topicPage();
}

function sendForm(topic) {
  const tag = h("input", { id: "send-tag", placeholder: "Tag" });
  const key = h("input", { id: "send-key", placeholder: "Key" });
  const body = h("textarea", { id: "send-body", rows: 3, cols: 60, placeholder: "Body" });
  const out = h("pre", { id: "send-result" });
  $("#detail").replaceChildren(h("div", { class: "panel" }, h("h3", {}, "Send a message to " + topic),
    h("form", { class: "bar", id: "send-form", onsubmit: e => { e.preventDefault(); guard(async () => {
      const r = await post("/topic/sendTopicMessage.do", { topic, tag: tag.value, key: key.value, messageBody: body.value });
      out.textContent = JSON.stringify(r, null, 2);
    }); } }, tag, key, body, h("button", { class: "primary", type: "submit" }, "Send")), out));
}

// ---- Consumers -----------------------------------------------------------------------------
async function consumerPage(group) {
  const root = h("div", { id: "page-consumer" }, h("h2", {}, "Consumers"));
  main().replaceChildren(root);
  const groups = await api("/consumer/groupList.query");
  let showSystem = false;
  const body = h("div", {});
  const render = () => {
    const rows = groups.filter(g => showSystem || !g.system).map(g => h("tr", { "data-group": g.group },
      h("td", {}, g.group), num(g.count), h("td", {}, g.version || "-"), h("td", {}, g.consumeType || "-"),
      h("td", {}, g.messageModel || "-"), num(g.consumeTps.toFixed(1)), num(g.diffTotal),
      h("td", {},
        h("button", { onclick: () => { location.hash = "#/consumer/" + encodeURIComponent(g.group); } }, "Progress"),
        h("button", { onclick: () => guard(() => clients(g.group)) }, "Clients"),
        h("button", { class: "danger", onclick: () => guard(() => deleteGroup(g.group)) }, "Delete"))));
    body.replaceChildren(table("groups", ["Group", { label: "Members", num: 1 }, "Version", "Type", "Model",
      { label: "TPS", num: 1 }, { label: "Diff Total", num: 1 }, ""], rows));
  };
  const name = h("input", { id: "new-group", placeholder: "Group name" });
  root.append(h("form", { class: "bar", onsubmit: e => { e.preventDefault(); guard(async () => {
      await post("/consumer/createOrUpdate.do", { groupName: name.value.trim() });
      showNotice("Group " + name.value.trim() + " created or updated.");
      await consumerPage();
    }); } }, h("b", {}, "Create or update group:"), name, h("button", { class: "primary", type: "submit" }, "Save"),
    h("label", {}, h("input", { type: "checkbox", onchange: e => { showSystem = e.target.checked; render(); } }), "system groups")),
    body, h("div", { id: "detail" }));
  render();
  if (group) await progress(group);
}

async function progress(group) {
  const p = await api("/consumer/queryTopicByConsumer.query?consumerGroup=" + encodeURIComponent(group));
  const panel = h("div", { class: "panel", id: "progress" }, h("h3", {}, "Progress of " + group + " — Diff Total " + p.diffTotal + ", " + p.consumeTps.toFixed(1) + " msg/s"));
  for (const t of p.topics) {
    const rows = t.queueStatInfoList.map(q => h("tr", { class: q.diff > 0 ? "lag" : null, "data-queue": q.brokerName + ":" + q.queueId },
      h("td", {}, q.brokerName), num(q.queueId), num(q.brokerOffset), num(q.consumerOffset), h("td", { class: "num diff" }, q.diff),
      h("td", {}, q.clientInfo || "-"), h("td", {}, fmtTime(q.lastTimestamp))));
    const time = h("input", { type: "datetime-local", step: 1 });
    panel.append(h("h3", {}, t.topic + " (Diff " + t.diffTotal + ")"),
      table("progress-" + t.topic, ["Broker", { label: "Queue", num: 1 }, { label: "Broker Offset", num: 1 },
        { label: "Consumer Offset", num: 1 }, { label: "Diff", num: 1 }, "Client", "Last Time"], rows),
      h("form", { class: "bar", onsubmit: e => { e.preventDefault(); guard(async () => {
        const at = time.value ? new Date(time.value).getTime() : Date.now();
        await post("/consumer/resetOffset.do", { consumerGroupList: [group], topic: t.topic, resetTime: at, force: true });
        showNotice("Offsets of " + group + " on " + t.topic + " reset.");
        await progress(group);
      }); } }, "Reset offset to", time, h("button", { type: "submit" }, "Reset")));
  }
  if (!p.topics.length) panel.append(h("p", { class: "muted" }, "The group has no offsets yet."));
  $("#detail").replaceChildren(panel);
}

async function clients(group) {
  const c = await api("/consumer/consumerConnection.query?consumerGroup=" + encodeURIComponent(group));
  $("#detail").replaceChildren(h("div", { class: "panel", id: "clients" }, h("h3", {}, "Clients of " + group + " (" + c.consumeType + ", " + c.messageModel + ")"),
    table("client-list", ["Client Id", "Address", "Language", "Version"], c.connectionSet.map(m => h("tr", {}, h("td", {}, m.clientId), h("td", {}, m.clientAddr), h("td", {}, m.language), h("td", {}, m.version)))),
    table("subscriptions", ["Topic", "Expression"], c.subscriptionTable.map(s => h("tr", {}, h("td", {}, s.topic), h("td", {}, s.subString))))));
}

async function deleteGroup(group) {
  if (!confirm("Delete group " + group + " and its offsets?")) return;
  await post("/consumer/deleteSubGroup.do", { groupName: group });
  showNotice("Group " + group + " deleted.");
  await consumerPage();
}

// ---- Producers -----------------------------------------------------------------------------
function producerPage() {
  const group = h("input", { id: "producer-group", placeholder: "Producer group" });
  const topic = h("input", { id: "producer-topic", placeholder: "Topic" });
  const out = h("div", {});
  main().replaceChildren(h("div", { id: "page-producer" }, h("h2", {}, "Producers"),
    h("form", { class: "bar", onsubmit: e => { e.preventDefault(); guard(async () => {
      const c = await api("/producer/producerConnection.query?producerGroup=" + encodeURIComponent(group.value.trim()) + "&topic=" + encodeURIComponent(topic.value.trim()));
      out.replaceChildren(table("producer-list", ["Client Id", "Address", "Language", "Version"], c.connectionSet.map(m => h("tr", {}, h("td", {}, m.clientId), h("td", {}, m.clientAddr), h("td", {}, m.language), h("td", {}, m.version)))));
    }); } }, group, topic, h("button", { class: "primary", type: "submit" }, "Search")), out));
}

// ---- Messages ------------------------------------------------------------------------------
function messageRows(list, selectable) {
  return list.map(m => h("tr", { "data-msg": m.offsetMsgId },
    selectable ? h("td", {}, h("input", { type: "checkbox", class: "pick", value: m.msgId })) : null,
    h("td", {}, h("a", { href: "#", onclick: e => { e.preventDefault(); guard(() => messageDetail(m.topic, m.offsetMsgId)); } }, m.msgId)),
    h("td", {}, m.tags || ""), h("td", {}, m.keys || ""), h("td", {}, fmtTime(m.storeTimestamp)),
    h("td", { class: "body" }, m.bodyText.length > 80 ? m.bodyText.slice(0, 80) + "…" : m.bodyText)));
}
const messageHeaders = ["Message Id", "Tags", "Keys", "Stored", "Body"];

function localInput(id, ms) {
  const d = new Date(ms - new Date().getTimezoneOffset() * 60000);
  return h("input", { id, type: "datetime-local", step: 1, value: d.toISOString().slice(0, 19) });
}

function messagePage() {
  const out = h("div", { id: "message-results" });
  const tabs = h("div", { class: "bar tabs" });
  const form = h("div", {});
  const views = {
    "By Topic": () => {
      const topic = h("input", { id: "msg-topic", placeholder: "Topic" });
      const begin = localInput("msg-begin", Date.now() - 3600000), end = localInput("msg-end", Date.now() + 60000);
      let pageNum = 1;
      const run = () => guard(async () => {
        const p = await api("/message/queryMessageByTopic.query?topic=" + encodeURIComponent(topic.value.trim()) + "&begin=" + new Date(begin.value).getTime() + "&end=" + new Date(end.value).getTime() + "&pageNum=" + pageNum + "&pageSize=20");
        const pages = Math.max(1, Math.ceil(p.total / p.pageSize));
        out.replaceChildren(h("p", {}, p.total + " messages, page " + p.pageNum + " of " + pages + " ",
          h("button", { disabled: pageNum <= 1 || null, onclick: () => { pageNum--; run(); } }, "Previous"),
          h("button", { disabled: pageNum >= pages || null, onclick: () => { pageNum++; run(); } }, "Next")),
          table("message-list", messageHeaders, messageRows(p.content)), h("div", { id: "message-detail" }));
      });
      return h("form", { class: "bar", id: "by-topic", onsubmit: e => { e.preventDefault(); pageNum = 1; run(); } }, topic, "from", begin, "to", end, h("button", { class: "primary", type: "submit" }, "Search"));
    },
    "By Key": () => {
      const topic = h("input", { id: "key-topic", placeholder: "Topic" }), key = h("input", { id: "key-key", placeholder: "Key" });
      return h("form", { class: "bar", id: "by-key", onsubmit: e => { e.preventDefault(); guard(async () => {
        const list = await api("/message/queryMessageByTopicAndKey.query?topic=" + encodeURIComponent(topic.value.trim()) + "&key=" + encodeURIComponent(key.value.trim()));
        out.replaceChildren(table("message-list", messageHeaders, messageRows(list)), h("div", { id: "message-detail" }));
      }); } }, topic, key, h("button", { class: "primary", type: "submit" }, "Search"));
    },
    "By Message Id": () => {
      const topic = h("input", { id: "id-topic", placeholder: "Topic (for unique keys)" }), id = h("input", { id: "id-id", placeholder: "Message id", size: 40 });
      return h("form", { class: "bar", id: "by-id", onsubmit: e => { e.preventDefault(); out.replaceChildren(h("div", { id: "message-detail" })); guard(() => messageDetail(topic.value.trim(), id.value.trim())); } }, topic, id, h("button", { class: "primary", type: "submit" }, "Search"));
    },
  };
  const select = name => {
    tabs.querySelectorAll("button").forEach(b => b.classList.toggle("active", b.textContent === name));
    form.replaceChildren(views[name]());
    out.replaceChildren();
  };
  Object.keys(views).forEach(name => tabs.append(h("button", { type: "button", onclick: () => select(name) }, name)));
  main().replaceChildren(h("div", { id: "page-message" }, h("h2", {}, "Messages"), tabs, form, out));
  select("By Topic");
}

async function messageDetail(topic, id) {
  const d = await api("/message/viewMessage.query?topic=" + encodeURIComponent(topic || "") + "&msgId=" + encodeURIComponent(id));
  const m = d.messageView;
  const body = h("pre", { id: "message-body" }, m.bodyText);
  let hex = false;
  const toggle = h("button", { type: "button", onclick: () => { hex = !hex; body.textContent = hex ? m.bodyHex : m.bodyText; toggle.textContent = hex ? "Show text" : "Show hex"; } }, "Show hex");
  const props = Object.entries(m.properties).map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", {}, v)));
  const fields = [["Topic", m.topic], ["Message Id", m.msgId], ["Offset Message Id", m.offsetMsgId], ["Tags", m.tags], ["Keys", m.keys],
    ["Queue", m.queueId + " @ " + m.queueOffset], ["Born", fmtTime(m.bornTimestamp) + " from " + m.bornHost], ["Stored", fmtTime(m.storeTimestamp) + " on " + m.storeHost],
    ["Reconsume Times", m.reconsumeTimes], ["Body Size", m.bodyLength + " bytes"]].map(([k, v]) => h("tr", {}, h("td", {}, k), h("td", {}, v ?? "")));
  const tracks = d.messageTrackList.map(t => h("tr", {}, h("td", {}, t.consumerGroup), h("td", {}, t.trackType),
    h("td", {}, h("button", { onclick: () => guard(async () => {
      const r = await post("/message/consumeMessageDirectly.do?topic=" + encodeURIComponent(m.topic) + "&consumerGroup=" + encodeURIComponent(t.consumerGroup) + "&msgId=" + encodeURIComponent(m.offsetMsgId));
      showNotice(t.consumerGroup + ": " + r.consumeResult);
    }) }, "Consume again"))));
  const target = $("#message-detail") || $("#detail");
  target.replaceChildren(h("div", { class: "panel", id: "message-view" }, h("h3", {}, "Message " + m.msgId),
    h("table", { class: "kv" }, h("tbody", {}, fields)), h("h3", {}, "Body ", toggle), body,
    h("h3", {}, "Properties"), h("table", { class: "kv" }, h("tbody", {}, props)),
    h("h3", {}, "Consumed by"), table("message-tracks", ["Group", "Track", ""], tracks)));
}

// ---- Dead letters --------------------------------------------------------------------------
function dlqPage() {
  const group = h("input", { id: "dlq-group", placeholder: "Consumer group" });
  const begin = localInput("dlq-begin", Date.now() - 3 * 86400000), end = localInput("dlq-end", Date.now() + 60000);
  const out = h("div", { id: "dlq-results" });
  const range = () => "consumerGroup=" + encodeURIComponent(group.value.trim()) + "&begin=" + new Date(begin.value).getTime() + "&end=" + new Date(end.value).getTime();
  const run = () => guard(async () => {
    const p = await api("/dlqMessage/queryDlqMessageByConsumerGroup.query?" + range() + "&pageNum=1&pageSize=500");
    out.replaceChildren(h("div", { class: "bar" }, p.total + " dead letters",
        h("button", { id: "dlq-resend", class: "primary", onclick: () => guard(async () => {
          const picked = [...out.querySelectorAll("input.pick:checked")].map(c => ({ consumerGroup: group.value.trim(), msgId: c.value }));
          const r = await post("/dlqMessage/batchResendDlqMessage.do", picked);
          showNotice(r.map(x => x.msgId + ": " + (x.result.consumeResult || x.result.error)).join("; "));
        }) }, "Resend selected"),
        h("a", { id: "dlq-export", href: "/dlqMessage/exportDlqMessage.do?" + range() }, "Export CSV")),
      table("dlq-list", ["", ...messageHeaders], messageRows(p.content, true)), h("div", { id: "message-detail" }));
  });
  main().replaceChildren(h("div", { id: "page-dlq" }, h("h2", {}, "Dead Letters"),
    h("form", { class: "bar", onsubmit: e => { e.preventDefault(); run(); } }, group, "from", begin, "to", end, h("button", { class: "primary", type: "submit" }, "Search")), out));
}

// ---- Routing -------------------------------------------------------------------------------
const pages = { cluster: clusterPage, topic: topicPage, consumer: consumerPage, producer: producerPage, message: messagePage, dlq: dlqPage };

async function route() {
  const [, name, arg] = (location.hash || "#/cluster").split("/");
  const page = pages[name] || clusterPage;
  document.querySelectorAll("header nav a").forEach(a => a.classList.toggle("active", a.id === "nav-" + (pages[name] ? name : "cluster")));
  showError("");
  showNotice("");
  try {
    await page(arg ? decodeURIComponent(arg) : undefined);
  } catch (e) {
    showError(e.message);
    if (main().querySelector("p.muted") && main().children.length === 1) main().replaceChildren(h("p", { class: "muted" }, "This page could not be loaded."));
  }
  document.body.dataset.ready = location.hash || "#/cluster";
}

window.addEventListener("hashchange", route);
api("/dashboard/mode.query").then(m => {
  $("#mode").textContent = m.readOnly ? "read-only" : (m.auth ? "changes need sign-in" : "");
}).catch(() => {});
route();
