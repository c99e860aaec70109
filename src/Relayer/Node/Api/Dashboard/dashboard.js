// The node's dashboard: reads the node's own API (same origin), nothing else. No build step, no libraries.
"use strict";

const REFRESH_MS = 2000;
const EPOCHS_SHOWN = 10;
const FEED_MAX = 100;
const REPLAY = 500; // events replayed from the log on load, so the feed and prices are not empty
const FEED_TYPES = ["EpochCleared", "LegApplied", "IntentSettled", "IntentRefunded", "MarginUpdated"];

const pricesByEpoch = new Map(); // epoch id -> text, from EpochCleared events
let lastMargin = null; // the newest MarginUpdated event, shown when the node has no /v1/pools

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) tr.appendChild(el("td", cell));
  return tr;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  return { status: response.status, ok: response.ok, body };
}

function duration(ms) {
  if (ms < 0) ms = 0;
  if (ms < 10000) return `${ms} ms`;
  if (ms < 600000) return `${Math.floor(ms / 1000)} s`;
  return `${Math.floor(ms / 60000)} min`;
}

function short(hex) {
  return typeof hex === "string" && hex.length > 14 ? `${hex.slice(0, 10)}…${hex.slice(-4)}` : String(hex ?? "-");
}

// An exact fraction as a decimal with 6 places, rounded down, in integer arithmetic.
function fraction(numerator, denominator) {
  try {
    const n = BigInt(numerator), d = BigInt(denominator);
    if (d === 0n) return "-";
    const scaled = (n * 1000000n) / d;
    const whole = scaled / 1000000n, part = (scaled % 1000000n).toString().padStart(6, "0");
    return `${whole}.${part}`;
  } catch { return "-"; }
}

function setBadge(node, text, good) {
  node.textContent = text;
  node.className = `badge ${good ? "ok" : "bad"}`;
}

// --- current epoch and last epochs -------------------------------------------------------------------------------

function renderCurrent(status) {
  const current = status.currentEpoch;
  if (!current) {
    $("current-summary").textContent = `No epoch yet; ${status.openIntents} intents open.`;
    return;
  }
  const age = status.nodeTimeUnixMilliseconds - current.openedAtUnixMilliseconds;
  $("current-summary").textContent =
    `Epoch ${current.epochId}, ${current.stage}, opened ${duration(age)} ago; ${status.openIntents} intents open and waiting for the next close.`;
  const triggers = status.triggers;
  const intents = $("current-intents"), time = $("current-time");
  if (triggers) {
    intents.max = triggers.maxIntentCount; intents.value = Math.min(status.openIntents, triggers.maxIntentCount);
    $("current-intents-text").textContent = `${status.openIntents} / ${triggers.maxIntentCount}`;
    time.max = triggers.maxDurationMilliseconds; time.value = Math.min(age, triggers.maxDurationMilliseconds);
    $("current-time-text").textContent = `${duration(age)} / ${duration(triggers.maxDurationMilliseconds)}`;
  } else {
    $("current-intents-text").textContent = `${status.openIntents}`;
    $("current-time-text").textContent = duration(age);
  }
}

function renderEpochs(page) {
  const body = $("epochs").tBodies[0];
  body.replaceChildren();
  for (const epoch of page.epochs) {
    const chunks = epoch.chains.reduce((sum, c) => sum + c.chunks.length, 0);
    const applied = epoch.chains.reduce((sum, c) => sum + c.applied, 0);
    const times = epoch.stageTimes || {};
    const settled = times.closed !== undefined && times.settled !== undefined ? duration(times.settled - times.closed) : "-";
    const tr = row([
      epoch.epochId, epoch.stage, epoch.trigger ?? "-", epoch.counts.intents, epoch.counts.filled,
      epoch.counts.refunded, epoch.counts.deferred, chunks ? `${applied}/${chunks}` : "-",
      pricesByEpoch.get(epoch.epochId) ?? "-", settled,
    ]);
    tr.dataset.epochId = String(epoch.epochId);
    tr.dataset.stage = epoch.stage;
    body.appendChild(tr);
  }
}

// --- pools ---------------------------------------------------------------------------------------------------------

function renderPools(pools, note) {
  $("pools-note").textContent = note;
  const body = $("pools-table").tBodies[0];
  body.replaceChildren();
  for (const pool of pools) {
    const get = (...names) => { for (const n of names) if (pool[n] !== undefined) return pool[n]; return "-"; };
    const bps = get("utilisationBps", "UtilisationBps");
    body.appendChild(row([
      get("chainId", "ChainId"), get("assetId", "AssetId"), get("balance", "Balance"), get("nextEpochCap", "NextEpochCap"),
      bps === "-" ? "-" : `${bps} bps`, get("belowFloor", "BelowFloor") === true ? "below floor" : "ok",
    ]));
  }
}

async function refreshPools() {
  const answer = await getJson("/v1/pools");
  if (answer.ok && answer.body) {
    const pools = Array.isArray(answer.body) ? answer.body : (answer.body.pools || []);
    renderPools(pools, pools.length ? "" : "No pools yet (the margin engine has not run).");
  } else if (answer.status === 404) {
    if (lastMargin) {
      renderPools(lastMargin.Pools, `GET /v1/pools is not available on this node; shown: the margin engine's MarginUpdated after epoch ${lastMargin.EpochId}.`);
    } else {
      renderPools([], "Pools: not available (this node has no GET /v1/pools, and no MarginUpdated event was seen yet).");
    }
  } else {
    renderPools([], `Pools: GET /v1/pools answered ${answer.status}.`);
  }
}

// --- refresh loop --------------------------------------------------------------------------------------------------

async function refresh() {
  try {
    const [ready, status, epochs] = await Promise.all([getJson("/v1/ready"), getJson("/v1/status"), getJson(`/v1/epochs?limit=${EPOCHS_SHOWN}`)]);
    setBadge($("node-state"), ready.body && ready.body.ready ? "ready" : "not ready", ready.body && ready.body.ready);
    if (status.ok) renderCurrent(status.body);
    if (epochs.ok) renderEpochs(epochs.body);
    await refreshPools();
  } catch (error) {
    setBadge($("node-state"), `unreachable: ${error.message}`, false);
  }
}

// --- live feed over Server-Sent Events -----------------------------------------------------------------------------

function feedLine(type, data) {
  switch (type) {
    case "IntentSettled":
      return [`epoch ${data.EpochId}  settled   ${short(data.IntentId)}  ${data.Amount} to ${short(data.Recipient)} on chain ${data.DestinationChainId}  tx ${short(data.TransactionId)}`, "settle"];
    case "IntentRefunded":
      return [`epoch ${data.EpochId}  refunded  ${short(data.IntentId)}  ${data.Amount} to ${short(data.Depositor)} on chain ${data.OriginChainId} (${data.Reason})  tx ${short(data.TransactionId)}`, "refund"];
    case "LegApplied":
      return [`epoch ${data.EpochId}  leg       chain ${data.ChainId} chunk ${data.ChunkIndex} (${data.Stage}, ${data.Actions} actions)${data.AlreadyApplied ? " found applied" : ""}  tx ${short(data.TransactionId)}`, "leg"];
    default:
      return null;
  }
}

function onEvent(message) {
  let data;
  try { data = JSON.parse(message.data); } catch { return; }
  const type = message.type;
  if (type === "EpochCleared") {
    pricesByEpoch.set(data.EpochId, (data.Prices || []).map((p) => `${p.Base}/${p.Quote} ${fraction(p.Numerator, p.Denominator)}`).join(", ") || "-");
    return;
  }
  if (type === "MarginUpdated") {
    lastMargin = data;
    return;
  }
  const line = feedLine(type, data);
  if (!line) return;
  const item = el("li", line[0], `${line[1]} new`);
  item.dataset.sequence = message.lastEventId;
  item.dataset.type = type;
  item.title = message.data;
  const feed = $("feed");
  feed.prepend(item);
  setTimeout(() => item.classList.remove("new"), 1500);
  while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
}

async function startStream() {
  const ready = await getJson("/v1/ready");
  const head = ready.body && ready.body.store ? ready.body.store.eventLogHead : 0;
  const from = Math.max(0, head - REPLAY);
  const source = new EventSource(`/v1/events?from=${from}&type=${FEED_TYPES.join(",")}`);
  for (const type of FEED_TYPES) source.addEventListener(type, onEvent);
  source.onopen = () => { setBadge($("stream-state"), "events: live", true); document.body.dataset.stream = "live"; };
  source.onerror = () => { setBadge($("stream-state"), "events: reconnecting…", false); document.body.dataset.stream = "reconnecting"; };
}

// --- intent search -------------------------------------------------------------------------------------------------

async function showIntent(intentId) {
  const result = $("intent-result"), error = $("intent-error");
  result.hidden = true; error.hidden = true;
  const answer = await getJson(`/v1/intents/${encodeURIComponent(intentId)}`);
  if (!answer.ok) {
    error.textContent = answer.body && answer.body.detail ? answer.body.detail : `GET /v1/intents answered ${answer.status}.`;
    error.hidden = false;
    return;
  }
  const view = answer.body, intent = view.intent;
  $("intent-state").textContent = view.state;
  $("intent-epoch").textContent = view.epochId ? `in epoch ${view.epochId}` : "";
  const params = $("intent-params").tBodies[0];
  params.replaceChildren(
    row(["from", `chain ${intent.originChainId}, depositor ${intent.depositor}`]),
    row(["sells", `${intent.inputAmount} of ${intent.inputToken}`]),
    row(["to", `chain ${intent.destinationChainId}, recipient ${intent.recipient}`]),
    row(["for at least", `${intent.minOutputAmount} of ${intent.outputToken}`]),
    row(["deadline", new Date(intent.fillDeadline * 1000).toISOString()]));

  const journey = $("intent-journey");
  journey.replaceChildren(el("li", `opened on chain ${intent.originChainId} in block/slot ${view.position.blockNumber}, transaction ${view.position.transactionId}`));
  if (view.timesDeferred > 0) journey.appendChild(el("li", `deferred ${view.timesDeferred} time(s): its limit or the pools kept it out of an epoch`));
  if (view.epochId) {
    const epoch = await getJson(`/v1/epochs/${view.epochId}`);
    journey.appendChild(el("li", epoch.ok ? `taken by epoch ${view.epochId} (trigger ${epoch.body.trigger ?? "-"}, now ${epoch.body.stage}, batch root ${epoch.body.batchRoot ?? "-"})` : `taken by epoch ${view.epochId}`));
    if (epoch.ok) {
      for (const chain of epoch.body.chains) {
        const transactions = chain.chunks.filter((c) => c.transactionId).map((c) => `#${c.index} ${short(c.transactionId)}`);
        journey.appendChild(el("li", `chain ${chain.chainId}: ${chain.applied}/${chain.chunks.length} chunks applied${transactions.length ? ` (${transactions.join(", ")})` : ""}`));
      }
    }
  }
  if (view.state === "filled" || view.state === "refunded" || view.state === "retracted") journey.appendChild(el("li", view.state));

  const proof = await getJson(`/v1/intents/${encodeURIComponent(intentId)}/proof`);
  $("intent-proof").textContent = proof.ok
    ? JSON.stringify(proof.body, null, 2)
    : proof.status === 404
      ? `Proof: not available${proof.body && proof.body.detail ? ` (${proof.body.detail})` : " (this node has no GET /v1/intents/{id}/proof)"}.`
      : `Proof: GET answered ${proof.status}.`;
  result.hidden = false;
}

function start() {
  $("search").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("intent-id").value.trim();
    if (id) showIntent(id).catch((error) => { $("intent-error").textContent = error.message; $("intent-error").hidden = false; });
  });
  startStream().catch((error) => setBadge($("stream-state"), `events: ${error.message}`, false));
  refresh();
  setInterval(refresh, REFRESH_MS);
}

start();
