// A tiny app for the local platform's tests. Tests copy it with the placeholders below replaced,
// so each version is a different file with a different digest.
//   node fixture-service.mjs            serves /health, /, /metrics, /env, /slow, /fail on $PORT
//   node fixture-service.mjs job NAME   runs job NAME once: appends a line to $SLIPWAY_DATA_DIR/jobs.log
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const VERSION = "__VERSION__";
const COMMIT = "__COMMIT__";

const env = process.env;
const instance = env.SLIPWAY_INSTANCE ?? "unknown";

if (process.argv[2] === "job") {
  const name = process.argv[3] ?? "unnamed";
  console.log(`job ${name} starting on ${instance} (${VERSION})`);
  if (name === "sleep") setInterval(() => {}, 1000);
  else if (name === "fail") {
    console.error("job fail: something went wrong");
    process.exit(3);
  } else {
    fs.appendFileSync(path.join(env.SLIPWAY_DATA_DIR ?? ".", "jobs.log"), `${name} ${instance} ${VERSION}\n`);
    console.log(`job ${name} done`);
  }
} else {
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
  const counts = { "2xx": 0, "5xx": 0 };
  const histogram = new Array(buckets.length + 1).fill(0);

  const metrics = () => {
    let cumulative = 0;
    const lines = ["# TYPE http_requests_total counter"];
    for (const [code, n] of Object.entries(counts)) lines.push(`http_requests_total{code="${code}"} ${n}`);
    lines.push("# TYPE http_request_duration_seconds histogram");
    buckets.forEach((le, i) => {
      cumulative += histogram[i];
      lines.push(`http_request_duration_seconds_bucket{le="${le}"} ${cumulative}`);
    });
    lines.push(`http_request_duration_seconds_bucket{le="+Inf"} ${cumulative + histogram[buckets.length]}`);
    return `${lines.join("\n")}\n`;
  };

  const server = http.createServer((req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://localhost");
    const send = (status, type, body) => {
      if (url.pathname !== "/metrics" && url.pathname !== "/health") {
        counts[status >= 500 ? "5xx" : "2xx"] += 1;
        const seconds = (performance.now() - started) / 1000;
        const index = buckets.findIndex((le) => seconds <= le);
        histogram[index === -1 ? buckets.length : index] += 1;
      }
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    switch (url.pathname) {
      case "/health":
        return send(200, "application/json", JSON.stringify({ status: "healthy", app: env.SLIPWAY_APP, version: VERSION, commit: COMMIT, environment: env.SLIPWAY_ENVIRONMENT, instance }));
      case "/metrics":
        return send(200, "text/plain; version=0.0.4", metrics());
      case "/env":
        return send(200, "application/json", JSON.stringify(env));
      case "/fail":
        return send(500, "text/plain", "failed on purpose\n");
      case "/slow":
        return setTimeout(() => send(200, "text/plain", `slow ${VERSION}\n`), Number(url.searchParams.get("ms") ?? 100));
      default:
        return send(200, "text/plain", `${env.SLIPWAY_APP} ${VERSION} from ${instance}\n`);
    }
  });
  server.listen(Number(env.PORT), "127.0.0.1", () => console.log(`${instance} ${VERSION} listening on ${env.PORT}`));
  process.on("SIGTERM", () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
