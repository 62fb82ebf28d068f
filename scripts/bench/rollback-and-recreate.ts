/**
 * Benchmark: (1) a warm rollback — from the rollback request to the previous version serving
 * again, after a blue-green deployment kept it warm; (2) a recreate rollout — how long the
 * environment answered 503 (seen from outside, polling its address) and what Slipway recorded.
 * Runs against a running Slipway with the local platform (uses the demo token).
 *
 *   npx tsx scripts/bench/rollback-and-recreate.ts [--url http://localhost:3000] [--env dev] [--runs 5]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_ARTIFACTS_DIR, writeArtifact } from "@/lib/platform/local/artifact";

const { values } = parseArgs({ options: { url: { type: "string", default: "http://localhost:3000" }, env: { type: "string", default: "dev" }, runs: { type: "string", default: "5" } } });
const dataDir = process.env.SLIPWAY_DATA_DIR ?? ".data";
const token = process.env.SLIPWAY_TOKEN ?? fs.readFileSync(path.join(dataDir, "demo-token"), "utf8").trim();
const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(method: string, route: string, body?: unknown) {
  const response = await fetch(`${values.url}/api/v1${route}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function release(tag: string): Promise<{ id: string; version: string }> {
  const version = `98.${Date.now()}.${tag}`;
  const commit = (Date.now().toString(16) + tag).padStart(40, "d");
  const artifact = await writeArtifact(DEFAULT_ARTIFACTS_DIR(dataDir), { app: "portal", version, commit, branch: "develop" });
  const build = await api("POST", "/builds", { app: "portal", version, commit, branch: "develop", digest: artifact.digest, artifact: artifact.url, tests: { passed: true } });
  return { id: (await api("POST", "/releases", { commit, branch: "develop", builds: [build.id], source: values.env })).id, version };
}

async function settle(deploymentId: string) {
  for (;;) {
    const d = await api("GET", `/deployments/${deploymentId}`);
    if (["succeeded", "failed", "cancelled"].includes(d.state)) return d;
    await sleep(50);
  }
}

const portalUrl: string = (await api("GET", `/environments/${values.env}`)).apps.find((a: { app: string }) => a.app === "portal").url;
const version = async () =>
  (
    await fetch(`${portalUrl}/health`)
      .then((r) => r.json())
      .catch(() => null)
  )?.version as string | undefined;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(1)} ms, min ${s[0]!.toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms`;
};

const rollbackTimes: number[] = [];
const switchTimes: number[] = [];
const closedOutside: number[] = [];
const closedRecorded: number[] = [];
for (let run = 0; run < Number(values.runs); run++) {
  // Warm rollback: A then B with blue-green (A stays warm), then roll back to A.
  const a = await release(`${run}a`);
  await settle((await api("POST", `/environments/${values.env}/deployments`, { releaseId: a.id, strategy: "blue-green", reason: "benchmark" })).id);
  const b = await release(`${run}b`);
  await settle((await api("POST", `/environments/${values.env}/deployments`, { releaseId: b.id, strategy: "blue-green", reason: "benchmark" })).id);
  const started = performance.now();
  const rollback = await api("POST", `/environments/${values.env}/rollback`, { releaseId: a.id, reason: "benchmark" });
  while ((await version()) !== a.version) await sleep(2);
  rollbackTimes.push(performance.now() - started);
  const done = await settle(rollback.id);
  const switched = /switched back in ([\d.]+) ms/.exec(done.steps.find((s: { name: string }) => s.name === "Roll back portal")?.log ?? "");
  if (switched) switchTimes.push(Number(switched[1]));

  // Recreate: poll the address while it is replaced; measure the 503 span from outside.
  const c = await release(`${run}c`);
  let firstClosed: number | null = null;
  let lastClosed: number | null = null;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const status = await fetch(portalUrl)
        .then((r) => r.status)
        .catch(() => 0);
      const now = performance.now();
      if (status === 503) {
        firstClosed ??= now;
        lastClosed = now;
      }
      await sleep(5);
    }
  })();
  const recreated = await settle((await api("POST", `/environments/${values.env}/deployments`, { releaseId: c.id, strategy: "recreate", reason: "benchmark" })).id);
  polling = false;
  await poller;
  if (firstClosed !== null && lastClosed !== null) closedOutside.push(lastClosed - firstClosed);
  if (typeof recreated.detail?.closedMs === "number") closedRecorded.push(recreated.detail.closedMs);
  console.log(
    `run ${run + 1}: rollback serving after ${rollbackTimes.at(-1)!.toFixed(0)} ms (switch ${switchTimes.at(-1) ?? "?"} ms); recreate closed ${closedRecorded.at(-1) ?? "?"} ms recorded, ${closedOutside.at(-1)?.toFixed(0) ?? "?"} ms seen`,
  );
}
await api("DELETE", `/environments/${values.env}/hold`, { reason: "benchmark done" }).catch(() => {});
console.log(`Warm rollback, request → previous version serving: ${stats(rollbackTimes)}`);
console.log(`Warm rollback, the traffic switch itself (platform): ${stats(switchTimes)}`);
console.log(`Recreate, environment closed (recorded by Slipway): ${stats(closedRecorded)}`);
console.log(`Recreate, 503s seen from outside: ${stats(closedOutside)}`);
