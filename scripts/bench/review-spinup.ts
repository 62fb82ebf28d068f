/**
 * Benchmark: time from the request that spins up a review environment to that environment serving
 * — its portal address answering 200 with the branch's version. Each run cuts a release of portal
 * on a fresh feature branch as CI would (a real artifact), creates the review environment through
 * the API, polls until Slipway shows its address and the address serves the version, then tears it
 * down. Runs against a running Slipway with the local platform (uses the demo token, whose user
 * may own a few review environments at once: each run tears its own down before the next).
 *
 *   npx tsx scripts/bench/review-spinup.ts [--url http://localhost:3000] [--runs 5]
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_ARTIFACTS_DIR, writeArtifact } from "@/lib/platform/local/artifact";

const { values } = parseArgs({ options: { url: { type: "string", default: "http://localhost:3000" }, runs: { type: "string", default: "5" } } });
const dataDir = process.env.SLIPWAY_DATA_DIR ?? ".data";
const token = process.env.SLIPWAY_TOKEN ?? fs.readFileSync(path.join(dataDir, "demo-token"), "utf8").trim();
const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
const TIMEOUT_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(method: string, route: string, body?: unknown) {
  const response = await fetch(`${values.url}/api/v1${route}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** A release of portal on its own feature branch; the other apps come from the first environment (the API's default). */
async function featureRelease(run: number): Promise<{ id: string; branch: string; version: string }> {
  const stamp = Date.now().toString(36);
  const branch = `feature/bench-${stamp}-${run}`;
  const version = `97.${Date.now()}.${run}-review`;
  const commit = randomBytes(20).toString("hex");
  const artifact = await writeArtifact(DEFAULT_ARTIFACTS_DIR(dataDir), { app: "portal", version, commit, branch });
  const build = await api("POST", "/builds", { app: "portal", version, commit, branch, digest: artifact.digest, artifact: artifact.url, tests: { passed: true } });
  const release = await api("POST", "/releases", { commit, branch, builds: [build.id] });
  return { id: release.id, branch, version };
}

async function servedVersion(url: string): Promise<string | null> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
  if (response?.status !== 200) return null;
  return ((await response.json().catch(() => null)) as { version?: string } | null)?.version ?? null;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const totals: number[] = [];
const rollouts: number[] = [];
for (let run = 0; run < Number(values.runs); run++) {
  const release = await featureRelease(run);
  const started = performance.now();
  const created = await api("POST", "/review-environments", { branch: release.branch, releaseId: release.id });
  const name: string = created.name;
  let url: string | null = null;
  let addressShownAt = 0;
  try {
    // The address shows once the provisioning rollout has recorded it; then it must serve the branch's version.
    while (!url) {
      if (performance.now() - started > TIMEOUT_MS) throw new Error(`${name} showed no portal address within ${TIMEOUT_MS / 1000} s`);
      const environment = await api("GET", `/review-environments/${name}`);
      if (environment.state === "failed") throw new Error(`${name} failed to provision: see ${values.url}/deployments/${created.deploymentId}`);
      url = environment.apps.find((a: { app: string }) => a.app === "portal")?.url ?? null;
      if (!url) await sleep(25);
    }
    addressShownAt = performance.now();
    while ((await servedVersion(url)) !== release.version) {
      if (performance.now() - started > TIMEOUT_MS) throw new Error(`${url} did not serve ${release.version} within ${TIMEOUT_MS / 1000} s`);
      await sleep(10);
    }
    totals.push(performance.now() - started);
    const deployment = await api("GET", `/deployments/${created.deploymentId}`);
    const rolloutMs = new Date(deployment.finishedAt).getTime() - new Date(deployment.startedAt).getTime();
    rollouts.push(rolloutMs);
    const queuedMs = new Date(deployment.startedAt).getTime() - new Date(deployment.createdAt).getTime();
    const slowest = (deployment.steps as { name: string; startedAt: string | null; finishedAt: string | null }[])
      .filter((s) => s.startedAt && s.finishedAt)
      .map((s) => ({ name: s.name, ms: new Date(s.finishedAt!).getTime() - new Date(s.startedAt!).getTime() }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3);
    console.log(
      `run ${run + 1}: ${name} serving ${release.version} after ${seconds(totals.at(-1)!)} (address shown after ${seconds(addressShownAt - started)}; ` +
        `queued ${seconds(queuedMs)}, rollout ${seconds(rolloutMs)}; slowest steps: ${slowest.map((s) => `${s.name} ${seconds(s.ms)}`).join(", ")})`,
    );
  } finally {
    await api("DELETE", `/review-environments/${name}`, { reason: "benchmark done" }).catch((error: unknown) => console.error(`could not tear ${name} down: ${String(error)}`));
  }
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
};
console.log(
  `Review environment, create request → portal serving the branch's version (${totals.length} runs): ` +
    `median ${seconds(percentile(totals, 0.5))}, p95 ${seconds(percentile(totals, 0.95))}, min ${seconds(Math.min(...totals))}, max ${seconds(Math.max(...totals))}`,
);
console.log(`Of which the provisioning rollout itself (recorded by Slipway): median ${seconds(percentile(rollouts, 0.5))}, p95 ${seconds(percentile(rollouts, 0.95))}`);
