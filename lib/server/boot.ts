import { applyForwardingTrust, refusedServerAction } from "./forwarding";
import { recordRequestPath } from "./request-path";
import { unstorableRequestText } from "./request-text";
import http from "node:http";
import { getDb, openConnection, setProcessConnection, sqlStatementCount, type Connection } from "@/db/client";
import { lockDataDir } from "@/db/data-dir-lock";
import { migrateAsOwner, ownsAuditTrail } from "@/db/migrate";
import { demoDataLoaded, seedDemoData } from "@/db/seed/demo";
import { readFile } from "node:fs/promises";
import { formatConfigProblems } from "@/lib/config/load";
import { loadPipelineSet } from "@/lib/config/pipeline-set";
import { kubernetesAccessProblems } from "@/lib/platform/kubernetes/startup-check";
import { systemClock } from "@/lib/domain/clock";
import { env } from "@/lib/env";
import { syncPipelines } from "@/lib/services/pipeline-sync";
import { clearRevisionCache } from "@/lib/services/revision-cache";
import { DEFAULT_ARTIFACTS_DIR } from "@/lib/platform/local/artifact";
import { ensureSecretKey } from "@/lib/secrets";
import { ensureAuthSecret } from "./auth-secret";
import { ensureDemoToken } from "./demo-token";
import { buildIfNeeded } from "./build-if-needed";

export class StartupError extends Error {}

const log = (line: string) => console.log(`[slipway] ${line}`);

/**
 * Everything before serving: the pipeline files are valid (each, and together: no name twice, no
 * shared address), the database is migrated and matches them, demo data is there on first run. A
 * bad file stops here, before the database is touched.
 */
export async function prepare(options: { build: boolean }): Promise<{ connection: Connection; demoSeeded: boolean; demoData: boolean }> {
  const e = env();
  const loaded = await loadPipelineSet(e.pipelineSources);
  if (!loaded.ok) throw new StartupError(loaded.message);
  // The controller deploys to Kubernetes with this process's kubeconfig: a missing one or context stops here.
  for (const pipeline of e.controller ? loaded.pipelines : []) {
    const kubernetes = kubernetesAccessProblems(await readFile(pipeline.source, "utf8"), pipeline.config);
    if (kubernetes.length > 0) throw new StartupError(formatConfigProblems(pipeline.source, kubernetes));
  }
  if (!e.DATABASE_URL) lockDataDir(e.dataDir); // fail fast, before a long build, if another Slipway holds .data/
  ensureAuthSecret(e.dataDir);
  ensureSecretKey(e.dataDir);
  if (options.build) await buildIfNeeded(process.cwd(), log);

  const opening = openConnection({ url: e.DATABASE_URL, dataDir: e.dataDir });
  setProcessConnection(opening);
  const connection = await opening;
  await migrateAsOwner(connection);
  if (await ownsAuditTrail(connection)) {
    console.warn("[slipway] The database role in DATABASE_URL owns the audit trail, so it could rename or rewrite it. Run Slipway as a role that does not (README: Database roles) and migrate with SLIPWAY_MIGRATION_DATABASE_URL.");
  }
  const { summaries, untouched } = await syncPipelines(connection.db, systemClock, loaded.pipelines);
  for (const summary of summaries) if (summary.changed) log(`Loaded pipeline "${summary.name}" from ${summary.source}.`);
  if (untouched.length) {
    log(`Kept ${untouched.map((n) => `"${n}"`).join(", ")} as ${untouched.length === 1 ? "it is" : "they are"}: not in ${loaded.from} (registered through the API, or its file was removed; pipelines are never deleted).`);
  }
  const demoSeeded = e.demo ? await seedDemoData(connection.db, systemClock, { artifactsDir: DEFAULT_ARTIFACTS_DIR(e.dataDir) }) : false;
  if (demoSeeded) log("Loaded demo data (first start).");
  if (e.demo) await ensureDemoToken(connection.db, e.dataDir);
  // Loaded now or on an earlier start (SLIPWAY_DEMO=0 later keeps what is there): its users can sign in.
  const demoData = demoSeeded || (await demoDataLoaded(connection.db));
  return { connection, demoSeeded, demoData };
}

/** Starts Next.js in this process, so it shares the one database connection (and its lock). */
export async function serve(options: { dev: boolean }): Promise<{ server: http.Server; url: string }> {
  const e = env();
  process.env.AUTH_TRUST_HOST ??= "true";
  process.env.NEXT_TELEMETRY_DISABLED = "1";
  const { default: next } = await import("next");
  const host = e.HOST ?? (e.oidcConfigured ? "0.0.0.0" : "127.0.0.1");
  const app = next({ dev: options.dev, dir: process.cwd(), hostname: "localhost", port: e.PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => {
    // Forwarding headers count only from SLIPWAY_TRUSTED_PROXIES (audit addresses, origin checks).
    applyForwardingTrust(req, e.trustedProxies);
    recordRequestPath(req);
    const badText = unstorableRequestText(req.url);
    if (badText) {
      res.writeHead(400, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ error: { code: "invalid_text", message: `The request's ${badText.field} ${badText.reason}.`, fields: { [badText.field]: badText.reason } } }));
      return;
    }
    // Benchmarks only (SLIPWAY_BENCH_COUNT_SQL=1): how many SQL statements this process has sent;
    // with ?cold, after forgetting the reads shared between views (the next request reads them all).
    if ((req.url === "/__bench/sql-count" || req.url === "/__bench/sql-count?cold") && sqlStatementCount() !== null) {
      void (req.url.endsWith("?cold") ? getDb().then(clearRevisionCache) : Promise.resolve()).then(
        () => {
          res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-store" });
          res.end(String(sqlStatementCount()));
        },
        (error: unknown) => {
          res.writeHead(500, { "content-type": "text/plain", "cache-control": "no-store" });
          res.end(String(error));
        },
      );
      return;
    }
    const refused = refusedServerAction(req);
    if (refused) {
      res.writeHead(403, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ error: { code: "forbidden", message: `Server action refused: ${refused}.` } }));
      return;
    }
    void handle(req, res);
  });
  // Keep idle connections longer than the proxies in front keep theirs (an ingress or load
  // balancer typically 60 s): with Node's 5 s default, a proxy or client reusing a connection the
  // server is closing at that moment gets a reset (a 502 behind nginx; ECONNRESET in a client).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(error.code === "EADDRINUSE" ? new StartupError(`Port ${e.PORT} is already in use: stop what uses it, or start Slipway with PORT=<another port>.`) : error));
    server.listen(e.PORT, host, resolve);
  });
  return { server, url: `http://localhost:${e.PORT}` };
}
