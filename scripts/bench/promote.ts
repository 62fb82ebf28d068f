/**
 * Benchmark: time from a Promote request to the new version serving at the environment's URL, on
 * a running Slipway with the local platform. Each run registers a fresh build of one app (a real
 * artifact) and cuts a release as CI would, then requests the deployment and polls the stable URL.
 *
 *   npx tsx scripts/bench/promote.ts [--url http://localhost:3000] [--env dev] [--app portal] [--runs 10]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_ARTIFACTS_DIR, writeArtifact } from "@/lib/platform/local/artifact";

const { values } = parseArgs({
  options: { url: { type: "string", default: "http://localhost:3000" }, env: { type: "string", default: "dev" }, app: { type: "string", default: "portal" }, runs: { type: "string", default: "10" } },
});
const dataDir = process.env.SLIPWAY_DATA_DIR ?? ".data";
const token = process.env.SLIPWAY_TOKEN ?? fs.readFileSync(path.join(dataDir, "demo-token"), "utf8").trim();
const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };

async function api(method: string, route: string, body?: unknown) {
  const response = await fetch(`${values.url}/api/v1${route}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const environment = await api("GET", `/environments/${values.env}`);
const appUrl: string = environment.apps.find((a: { app: string }) => a.app === values.app)?.url;
if (!appUrl) throw new Error(`${values.app} has no URL in ${values.env}: is the controller running?`);

const times: number[] = [];
const completed: number[] = [];
for (let run = 0; run < Number(values.runs); run++) {
  const version = `99.${Date.now()}.${run}`;
  const commit = (Date.now().toString(16) + run.toString(16)).padStart(40, "e");
  const artifact = await writeArtifact(DEFAULT_ARTIFACTS_DIR(dataDir), { app: values.app!, version, commit, branch: "develop" });
  const build = await api("POST", "/builds", { app: values.app, version, commit, branch: "develop", digest: artifact.digest, artifact: artifact.url, tests: { passed: true } });
  const release = await api("POST", "/releases", { commit, branch: "develop", builds: [build.id], source: values.env });

  const started = performance.now();
  const deployment = await api("POST", `/environments/${values.env}/deployments`, { releaseId: release.id, reason: "benchmark" });
  for (;;) {
    const health = await fetch(`${appUrl}/health`)
      .then((r) => r.json())
      .catch(() => null);
    if (health?.version === version) break;
    if (performance.now() - started > 60_000) throw new Error(`${version} did not serve within 60 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  times.push(performance.now() - started);
  // The next run starts only once this rollout is over (a rolling one shifts the rest of the traffic
  // in steps): otherwise it would queue behind it and measure the wait.
  for (;;) {
    const { state } = await api("GET", `/deployments/${deployment.id}`);
    if (!["waiting", "queued", "running", "verifying"].includes(state)) {
      if (state !== "succeeded") throw new Error(`deployment ${deployment.id} ended ${state}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  completed.push(performance.now() - started);
  console.log(`run ${run + 1}: serving after ${Math.round(times.at(-1)!)} ms, rollout complete after ${Math.round(completed.at(-1)!)} ms`);
}
const summary = (label: string, values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
  return `${label}: median ${at(0.5)} ms, p95 ${at(0.95)} ms, min ${Math.round(sorted[0]!)} ms, max ${Math.round(sorted.at(-1)!)} ms`;
};
console.log(`Promote in ${values.env} (${times.length} runs)`);
console.log(`  ${summary("→ new version serving", times)}`);
console.log(`  ${summary("→ rollout complete", completed)}`);
