// The sample service that Slipway's `local` platform runs for every app of the demo product
// (portal, admin, api-gateway). Node 20 standard library only, so an artifact is one file.
//
// An artifact (lib/platform/local/artifact.ts) is a header that defines `const BUILD = {...}`
// followed by this file's text: the build's identity is part of the bytes, so the content digest
// changes with it. Run on its own (`node examples/sample-service/service.mjs`), BUILD is undefined
// and a development identity stands in, so the template stays runnable while editing it.
//
// Environment: PORT, SLIPWAY_ENVIRONMENT, SLIPWAY_INSTANCE, SLIPWAY_DATA_DIR; every other variable
// is a config variable whose NAME (never its value: some are secrets) is shown on the page.
// `node <artifact> job <name>` runs a one-off job instead of serving.
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

/* global BUILD -- defined by the artifact header */
const build = typeof BUILD === "undefined" ? { app: "sample", version: "0.0.0-dev", commit: "0000000000000000000000000000000000000000", branch: "local", faulty: { health: false, errorRate: 0 } } : BUILD;
const errorRate = Math.min(1, Math.max(0, Number(build.faulty?.errorRate) || 0));
const environment = process.env.SLIPWAY_ENVIRONMENT || "local";
const instance = process.env.SLIPWAY_INSTANCE || `${os.hostname()}-${process.pid}`;
const dataDir = path.resolve(process.env.SLIPWAY_DATA_DIR || path.join(os.tmpdir(), "slipway-sample", `${environment}-${build.app}`));
const storePath = path.join(dataDir, "store.json");
const startedAt = Date.now();
const label = `${build.app} ${build.version}`;

// ---- The store: one small JSON file, shared by every instance and by old and new releases. ----
// Sync I/O on purpose: each read-modify-write happens within one tick, which keeps the window in
// which two instances could interleave tiny. The rename makes every write all-or-nothing.

function readStore() {
  let parsed;
  try {
    parsed = JSON.parse(fs.readFileSync(storePath, "utf8"));
  } catch (error) {
    if (error.code === "ENOENT") return { items: [], migrations: [] };
    throw new Error(`the store ${storePath} cannot be read: ${error.message}`);
  }
  return { ...parsed, items: parsed.items ?? [], migrations: parsed.migrations ?? [] };
}

function updateStore(change) {
  fs.mkdirSync(dataDir, { recursive: true });
  const store = readStore();
  const result = change(store);
  const temp = `${storePath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(store, null, 2) + "\n");
  fs.renameSync(temp, storePath);
  return result;
}

function addItem(text) {
  return updateStore((store) => {
    const item = { id: `itm_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`, text, createdAt: new Date().toISOString(), by: label };
    store.items.push(item);
    return item;
  });
}

// ---- Jobs: `node <artifact> job <name>`; stdout is kept by Slipway as the job's output. ----

function runJob(name) {
  console.log(`job ${name}: ${label} in ${environment} (data: ${dataDir})`);
  if (name === "migrate") {
    const recorded = updateStore((store) => store.migrations.push({ version: build.version, at: new Date().toISOString() }));
    console.log(`applied migration ${build.version} to ${storePath}`);
    console.log(`the store now records ${recorded} migration(s)`);
  } else if (name === "seed") {
    // Idempotent: a data directory is seeded once, whichever release runs the job again.
    const seeded = updateStore((store) => {
      if (store.seededAt) return false;
      const now = new Date().toISOString();
      for (const text of ["Welcome to the demo shop", "Order #1001: 2 × coffee beans", "Order #1002: 1 × grinder"]) {
        store.items.push({ id: `seed_${store.items.length + 1}`, text, createdAt: now, by: label });
      }
      store.seededAt = now;
      return true;
    });
    console.log(seeded ? "seeded 3 demo items" : "already seeded; nothing to do");
  } else if (name === "fail") {
    console.error(`job fail: failing on purpose (${label})`);
    process.exit(1);
  } else {
    console.log(`ran job ${name} for ${label} in ${environment}`);
  }
  process.exit(0);
}

// ---- Metrics, in Prometheus text format. /health and /metrics are left out: probes would
// otherwise drown the traffic that Slipway compares between releases. ----

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const metrics = { codes: { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 }, bucketCounts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 };

function observe(statusCode, seconds) {
  const family = `${Math.floor(statusCode / 100)}xx`;
  if (family in metrics.codes) metrics.codes[family] += 1;
  LATENCY_BUCKETS.forEach((le, i) => {
    if (seconds <= le) metrics.bucketCounts[i] += 1;
  });
  metrics.sum += seconds;
  metrics.count += 1;
}

function renderMetrics() {
  const lines = ["# HELP http_requests_total Requests answered, by status class.", "# TYPE http_requests_total counter"];
  for (const [code, value] of Object.entries(metrics.codes)) lines.push(`http_requests_total{code="${code}"} ${value}`);
  lines.push("# HELP http_request_duration_seconds Request latency.", "# TYPE http_request_duration_seconds histogram");
  LATENCY_BUCKETS.forEach((le, i) => lines.push(`http_request_duration_seconds_bucket{le="${le}"} ${metrics.bucketCounts[i]}`));
  lines.push(`http_request_duration_seconds_bucket{le="+Inf"} ${metrics.count}`);
  lines.push(`http_request_duration_seconds_sum ${metrics.sum.toFixed(6)}`, `http_request_duration_seconds_count ${metrics.count}`);
  return lines.join("\n") + "\n";
}

// A faulty build fails an exact share of app requests: the accumulator crosses 1 once per
// 1/errorRate requests, so 0.3 means 3 in every 10, not "about 3, sometimes 0".
let errorAccumulator = 0;
function shouldInjectError() {
  if (errorRate <= 0) return false;
  errorAccumulator += errorRate;
  if (errorAccumulator < 1 - 1e-9) return false;
  errorAccumulator -= 1;
  return true;
}

// ---- HTTP ----

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// Names the platform or the shell set, which are not the app's configuration (the platform
// reserves PORT and SLIPWAY_* and refuses them as config names).
const INHERITED = /^(PATH|HOME|USER|LOGNAME|SHELL|PWD|OLDPWD|SHLVL|TERM|TERM_.*|LANG|LANGUAGE|LC_.*|TZ|TMPDIR|TMP|TEMP|HOSTNAME|COLORTERM|_|NODE_ENV|npm_.*|PORT|SLIPWAY_.*)$/;
function configNames() {
  // The platform may say exactly which variables are config; otherwise filter the inherited ones.
  const declared = process.env.SLIPWAY_CONFIG_KEYS;
  const names =
    declared !== undefined
      ? declared
          .split(",")
          .map((n) => n.trim())
          .filter(Boolean)
      : Object.keys(process.env).filter((n) => !INHERITED.test(n));
  return names.sort();
}

function renderPage(items) {
  const rows = items
    .slice(-50)
    .reverse()
    .map((i) => `<li>${escapeHtml(i.text)} <small>${escapeHtml(i.by)} · ${escapeHtml(i.createdAt)}</small></li>`)
    .join("");
  const names = configNames();
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(build.app)} ${escapeHtml(build.version)} · ${escapeHtml(environment)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1c1f24}header{background:#1f3a5f;color:#fff;padding:1.5rem 2rem}
h1{margin:0;font-size:2rem}.env{font-size:1rem;vertical-align:middle;background:#f2c14e;color:#1c1f24;border-radius:1rem;padding:.15rem .7rem}.facts{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;margin-top:.5rem}.facts b{font-weight:600}main{padding:1.5rem 2rem;max-width:48rem}
code{background:#e8ebf0;padding:0 .3rem;border-radius:3px}li small{color:#667}form{display:flex;gap:.5rem;margin:1rem 0}input[type=text]{flex:1;padding:.4rem}</style></head>
<body><header><h1>${escapeHtml(build.app)} <span class="env">${escapeHtml(environment)}</span></h1><div class="facts"><span>version <b>${escapeHtml(build.version)}</b></span><span>environment <b>${escapeHtml(environment)}</b></span>
<span>commit <b><code style="color:inherit;background:none">${escapeHtml(build.commit.slice(0, 7))}</code></b></span><span>branch <b>${escapeHtml(build.branch)}</b></span><span>instance <b>${escapeHtml(instance)}</b></span></div></header>
<main><h2>Items (${items.length})</h2><form method="post" action="/items"><input type="text" name="text" required maxlength="500" placeholder="Add an item"><button>Add</button></form>
<ul>${rows || "<li><small>No items yet.</small></li>"}</ul>
<h2>Configuration</h2><p>${names.length ? names.map((n) => `<code>${escapeHtml(n)}</code>`).join(" ") : "No config variables."}</p>
<p><small>Values are not shown. Health: <a href="/health">/health</a> · Metrics: <a href="/metrics">/metrics</a></small></p></main></body></html>`;
}

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", ...headers });
  res.end(body);
}
const sendJson = (res, status, value) => send(res, status, "application/json; charset=utf-8", JSON.stringify(value));

function readBody(req, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      body += chunk;
      if (body.length <= limit) return;
      // Stop keeping what follows, but drain it so the 413 can still be answered.
      req.removeAllListeners("data").resume();
      reject(Object.assign(new Error("body too large"), { status: 413 }));
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

function validText(text) {
  return typeof text === "string" && text.trim().length > 0 && text.length <= 500 ? text.trim() : null;
}

function health(res) {
  const checks = { store: { status: "ok" } };
  try {
    fs.accessSync(fs.existsSync(storePath) ? storePath : dataDir, fs.constants.R_OK | fs.constants.W_OK);
  } catch (error) {
    checks.store = { status: "failing", message: error.message };
  }
  if (build.faulty?.health) checks.selfTest = { status: "failing", message: "this build reports itself unhealthy (built with --unhealthy)" };
  const healthy = Object.values(checks).every((c) => c.status === "ok");
  sendJson(res, healthy ? 200 : 503, {
    status: healthy ? "healthy" : "unhealthy",
    app: build.app,
    version: build.version,
    commit: build.commit,
    environment,
    instance,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    checks,
  });
}

async function route(req, res, pathname) {
  const isAppTraffic = pathname === "/" || pathname === "/items" || pathname.startsWith("/api/");
  if (isAppTraffic && shouldInjectError()) return send(res, 500, "text/plain; charset=utf-8", `internal error (${label})\n`);
  const key = `${req.method} ${pathname}`;
  if (key === "GET /") return send(res, 200, "text/html; charset=utf-8", renderPage(readStore().items));
  if (key === "GET /api/items") return sendJson(res, 200, { items: readStore().items });
  if (key === "POST /api/items") {
    let text;
    try {
      text = validText(JSON.parse(await readBody(req)).text);
    } catch {
      text = null;
    }
    if (!text) return sendJson(res, 400, { error: { code: "invalid_input", message: 'expected JSON { "text": "1 to 500 characters" }' } });
    return sendJson(res, 201, addItem(text));
  }
  if (key === "POST /items") {
    const text = validText(new URLSearchParams(await readBody(req)).get("text"));
    if (!text) return send(res, 400, "text/plain; charset=utf-8", "An item needs 1 to 500 characters of text.\n");
    addItem(text);
    return send(res, 303, "text/plain; charset=utf-8", "See /\n", { location: "/" });
  }
  return send(res, 404, "text/plain; charset=utf-8", `Not found: ${pathname}\n`);
}

function serve() {
  fs.mkdirSync(dataDir, { recursive: true });
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (pathname === "/health" && req.method === "GET") return health(res);
    if (pathname === "/metrics" && req.method === "GET") return send(res, 200, "text/plain; version=0.0.4; charset=utf-8", renderMetrics());
    const started = process.hrtime.bigint();
    res.on("finish", () => observe(res.statusCode, Number(process.hrtime.bigint() - started) / 1e9));
    route(req, res, pathname).catch((error) => {
      console.error(`${req.method} ${pathname} failed: ${error.message}`);
      if (!res.headersSent) send(res, error.status ?? 500, "text/plain; charset=utf-8", `${error.status ? error.message : "internal error"}\n`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 2000;
  server.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
    console.log(`listening on http://127.0.0.1:${server.address().port} (${label}, ${environment})`);
  });
  server.on("error", (error) => {
    console.error(`cannot serve: ${error.message}`);
    process.exit(1);
  });
  // Stop within a second: the platform waits for the exit before it frees the port or the slot.
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 800).unref();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[2] === "job") {
  if (!process.argv[3]) {
    console.error("usage: node <artifact> job <name>");
    process.exit(2);
  }
  try {
    runJob(process.argv[3]);
  } catch (error) {
    console.error(`job ${process.argv[3]} failed: ${error.message}`);
    process.exit(1);
  }
} else {
  serve();
}
