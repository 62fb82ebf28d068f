import type { AppStatus, ArtifactRef } from "../../types";
import { KubernetesPlatform, type KubernetesPlatformOptions } from "../kubernetes-platform";
import { L } from "../objects";
import { startSimCluster, type SimCluster } from "./sim-server";
import { typeOf } from "./sim-store";

/** A digest-pinned image of app `app` at `version`, registered with the simulated cluster (it answers health and runs `migrate`/`fail`). */
export function simBuild(sim: SimCluster, app: string, version: string, jobs: Record<string, { exitCode: number; output: string }> = {}): ArtifactRef {
  const digest = `sha256:${Buffer.from(`${app}-${version}`).toString("hex").padEnd(64, "0").slice(0, 64)}`;
  const artifact = `registry.example.com/shop/${app}@${digest}`;
  const commit = version.replace(/\D/g, "").padEnd(40, "c").slice(0, 40);
  sim.images.set(artifact, {
    app,
    version,
    commit,
    jobs: { migrate: { exitCode: 0, output: `migrated ${app} to ${version}\n` }, seed: { exitCode: 0, output: "seeded\n" }, fail: { exitCode: 3, output: "migration 0042 failed: relation exists\n" }, ...jobs },
  });
  return { buildId: `build-${app}-${version}`, releaseId: `release-${version}`, app, version, commit, digest, artifact };
}

/** Fast polling for tests: the simulated kubelet ticks every 10 ms. */
export const FAST: KubernetesPlatformOptions = { pollMs: 15, readyTimeoutMs: 10_000, jobTimeoutMs: 10_000, stuckPolls: 3, retry: { attempts: 4, delayMs: 10 } };

export function namespaceOf(environment: string): string {
  return `slipway-${environment}`;
}

/** The version a request to the app's Service gets: a ready pod its selector matches, or null. */
export function servingVersion(sim: SimCluster, status: AppStatus, namespace = namespaceOf(status.environment)): string | null {
  const service = sim.store.get(typeOf("v1", "services")!, namespace, status.app);
  if (!service) return null;
  const selector = (service.spec as { selector?: Record<string, string> }).selector ?? {};
  const pods = sim.store.list(
    typeOf("v1", "pods")!,
    namespace,
    Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
  );
  const ready = pods.find((p) => (p.status as { conditions?: { type: string; status: string }[] }).conditions?.some((c) => c.type === "Ready" && c.status === "True"));
  if (!ready) return null;
  return sim.images.get((ready.spec as { containers: { image: string }[] }).containers[0]!.image)?.version ?? null;
}

/** A person's request through the ingress: recorded on the Service as the wake-up backend does. */
export function visitApp(sim: SimCluster, status: AppStatus, namespace = namespaceOf(status.environment)): void {
  const service = sim.store.get(typeOf("v1", "services")!, namespace, status.app);
  if (!service) return;
  service.metadata.annotations = { ...service.metadata.annotations, "slipway.dev/last-request-at": new Date().toISOString() };
}

export async function startSimPlatform(options: KubernetesPlatformOptions = {}): Promise<{ sim: SimCluster; open: (extra?: KubernetesPlatformOptions) => KubernetesPlatform }> {
  const sim = await startSimCluster();
  const open = (extra: KubernetesPlatformOptions = {}) => new KubernetesPlatform({ ...FAST, kubeconfig: sim.kubeconfig(), namespaceFor: (environment) => namespaceOf(environment), ...options, ...extra });
  return { sim, open };
}

export { L };
