import { createHash } from "node:crypto";
import type { KubernetesEnvironmentConfig } from "@/lib/config/kubernetes-schema";
import type { AppSpec, ArtifactRef, JobSpec } from "../types";
import { PlatformError, siblingVariables } from "../types";
import type { KubeObjectLike } from "./client";

/**
 * The Kubernetes objects Slipway applies, as pure functions of the spec (no I/O): names, labels
 * and annotations are how the adapter finds its objects again (inventory, adoption after a
 * restart), so they are the adapter's whole state. Every object carries
 * `app.kubernetes.io/managed-by: slipway`, the environment, the app and, where it runs a
 * release, the release and the slot.
 */

export type Slot = "blue" | "green";
export const SLOTS: readonly Slot[] = ["blue", "green"];
export const other = (slot: Slot): Slot => (slot === "blue" ? "green" : "blue");

export const L = {
  managedBy: "app.kubernetes.io/managed-by",
  name: "app.kubernetes.io/name",
  environment: "slipway.dev/environment",
  app: "slipway.dev/app",
  release: "slipway.dev/release",
  slot: "slipway.dev/slot",
  process: "slipway.dev/process",
  job: "slipway.dev/job",
} as const;

export const A = {
  buildId: "slipway.dev/build-id",
  version: "slipway.dev/version",
  commit: "slipway.dev/commit",
  digest: "slipway.dev/digest",
  reference: "slipway.dev/reference",
  startedAt: "slipway.dev/started-at",
  instances: "slipway.dev/instances",
  live: "slipway.dev/live-slot",
  maintenance: "slipway.dev/maintenance",
  retryAfter: "slipway.dev/retry-after",
  standbyShare: "slipway.dev/standby-share",
  asleep: "slipway.dev/asleep",
  lastRequestAt: "slipway.dev/last-request-at",
} as const;

/** What the Service says about the app's traffic: the adapter's routing state. */
export interface Routing {
  live: Slot | null;
  maintenance: boolean;
  retryAfterSeconds: number;
  standbyShare: number;
  asleep: boolean;
  lastRequestAt: string | null;
}

export interface EnvironmentTarget {
  environment: string;
  namespace: string;
  config: Pick<KubernetesEnvironmentConfig, "port"> & Partial<KubernetesEnvironmentConfig>;
}

const DIGEST_PINNED = /^([a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?\/)?[a-z0-9]+([._/-][a-z0-9]+)*@(?<digest>sha256:[0-9a-f]{64})$/;

/**
 * The image reference of `build`: it must be `registry/app@sha256:<64 hex>` and that digest must
 * be the build's. Throws a permanent PlatformError otherwise (a tag can move; Kubernetes runs
 * exactly what CI registered or nothing).
 */
export function pinnedImage(environment: string, build: ArtifactRef): string {
  const match = build.artifact ? DIGEST_PINNED.exec(build.artifact) : null;
  if (!match) {
    throw new PlatformError(
      `Environment "${environment}" runs on Kubernetes, which needs an OCI image pinned by digest (registry/app@sha256:<64 hex>); build ${build.version} of ${build.app} has ${build.artifact ? `"${build.artifact}"` : "no artifact"}`,
      true,
    );
  }
  if (match.groups!.digest !== build.digest) {
    throw new PlatformError(`Environment "${environment}": the image of build ${build.version} of ${build.app} is ${match.groups!.digest}, but the build's registered digest is ${build.digest}`, true);
  }
  return build.artifact!;
}

/** The digest part of an image reference, or the reference itself when it has none. */
export function imageDigest(image: string): string {
  const at = image.lastIndexOf("@");
  return at >= 0 ? image.slice(at + 1) : image;
}

function short(text: string, length: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** A DNS label from `parts` joined by "-"; too long ones are cut and keep a hash for uniqueness. */
export function dnsName(...parts: string[]): string {
  const name = parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/^-+|-+$/g, "");
  return name.length <= 63 ? name : `${name.slice(0, 52).replace(/-+$/, "")}-${short(name, 10)}`;
}

/** A label value (≤ 63, alphanumeric ends) from any text: ids that fit stay readable. */
export function labelValue(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  return clean.length <= 63 ? clean : `${clean.slice(0, 52).replace(/[^A-Za-z0-9]+$/, "")}-${short(text, 10)}`;
}

export const deploymentName = (app: string, process: string, slot: Slot) => (process === "web" ? dnsName(app, slot) : dnsName(app, process, slot));
export const configName = (app: string, slot: Slot) => dnsName(app, slot, "config");
export const jobName = (job: Pick<JobSpec, "app" | "job" | "reference">) => dnsName(job.app, job.job, short(`${job.reference}\n${job.job}`, 10));

export function baseLabels(target: EnvironmentTarget, app: string): Record<string, string> {
  return { [L.managedBy]: "slipway", [L.name]: app, [L.environment]: target.environment, [L.app]: app };
}

function meta(target: EnvironmentTarget, name: string, labels: Record<string, string>, annotations?: Record<string, string>) {
  return { name, namespace: target.namespace, labels, ...(annotations ? { annotations } : {}) };
}

export function namespaceObject(target: EnvironmentTarget, source: string | undefined): KubeObjectLike {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: target.namespace, labels: { [L.managedBy]: "slipway", [L.environment]: target.environment }, ...(source ? { annotations: { "slipway.dev/cloned-from": source } } : {}) } };
}

/** Slipway's own variables for a slot (ConfigMap) and the config variables (Secret: Slipway cannot tell which of them are secret, so all are). */
export function configObjects(target: EnvironmentTarget, spec: AppSpec, slot: Slot): KubeObjectLike[] {
  const labels = { ...baseLabels(target, spec.app), [L.release]: labelValue(spec.build.releaseId), [L.slot]: slot };
  const name = configName(spec.app, slot);
  const data = { SLIPWAY_ENVIRONMENT: target.environment, SLIPWAY_APP: spec.app, SLIPWAY_VERSION: spec.build.version, SLIPWAY_COMMIT: spec.build.commit, PORT: String(target.config.port), ...siblingVariables(spec.siblings) };
  return [
    { apiVersion: "v1", kind: "ConfigMap", metadata: meta(target, name, labels), data },
    { apiVersion: "v1", kind: "Secret", metadata: meta(target, name, labels), type: "Opaque", stringData: spec.config },
  ];
}

function container(target: EnvironmentTarget, image: string, process: string, configFrom: string, environmentVars: Record<string, string>) {
  const command = target.config.commands?.[process] ?? (process === "web" ? undefined : [`/cnb/process/${process}`]);
  const resources = target.config.resources;
  return {
    name: process,
    image,
    ...(command ? { command } : {}),
    env: Object.entries(environmentVars).map(([name, value]) => ({ name, value })),
    envFrom: [{ configMapRef: { name: configFrom } }, { secretRef: { name: configFrom } }],
    ...(resources ? { resources } : {}),
  };
}

function podSpecExtras(target: EnvironmentTarget) {
  return {
    ...(target.config.serviceAccount ? { serviceAccountName: target.config.serviceAccount } : {}),
    ...(target.config.imagePullSecrets?.length ? { imagePullSecrets: target.config.imagePullSecrets.map((name) => ({ name })) } : {}),
  };
}

/** The Deployment of one process type (`web` or a worker) of a slot; `startedAt` is kept across re-applies. */
export function deploymentObject(target: EnvironmentTarget, spec: AppSpec, slot: Slot, process: string, replicas: number, startedAt: string): KubeObjectLike {
  const image = pinnedImage(target.environment, spec.build);
  const selector = { ...baseLabels(target, spec.app), [L.slot]: slot, [L.process]: process };
  const labels = { ...selector, [L.release]: labelValue(spec.build.releaseId) };
  const annotations = {
    [A.buildId]: spec.build.buildId,
    [A.version]: spec.build.version,
    [A.commit]: spec.build.commit,
    [A.digest]: spec.build.digest,
    [A.reference]: spec.reference,
    [A.startedAt]: startedAt,
    [A.instances]: String(replicas),
  };
  const isWeb = process === "web";
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(target, deploymentName(spec.app, process, slot), labels, annotations),
    spec: {
      replicas,
      selector: { matchLabels: selector },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      progressDeadlineSeconds: 600,
      template: {
        metadata: { labels, annotations: { [A.buildId]: spec.build.buildId, [A.version]: spec.build.version } },
        spec: {
          ...podSpecExtras(target),
          containers: [
            {
              ...container(target, image, process, configName(spec.app, slot), { SLIPWAY_PROCESS: process }),
              ...(isWeb
                ? {
                    ports: [{ name: "http", containerPort: target.config.port }],
                    readinessProbe: { httpGet: { path: spec.healthPath, port: "http" }, periodSeconds: 5, failureThreshold: 3 },
                    livenessProbe: { httpGet: { path: spec.healthPath, port: "http" }, periodSeconds: 10, failureThreshold: 6, initialDelaySeconds: 10 },
                  }
                : {}),
            },
          ],
        },
      },
    },
  };
}

/** The stable address: a Service whose selector is the live slot (nothing during maintenance; both slots while traffic is shared). */
export function serviceObject(target: EnvironmentTarget, app: string, routing: Routing): KubeObjectLike {
  const selector: Record<string, string> = { ...baseLabels(target, app), [L.process]: "web" };
  if (routing.maintenance || routing.asleep || !routing.live) selector[L.slot] = "none";
  else if (routing.standbyShare === 0 || target.config.gateway) selector[L.slot] = routing.live;
  const annotations: Record<string, string> = {
    [A.live]: routing.live ?? "",
    [A.maintenance]: String(routing.maintenance),
    [A.retryAfter]: String(routing.retryAfterSeconds),
    [A.standbyShare]: String(routing.standbyShare),
    [A.asleep]: String(routing.asleep),
    ...(routing.lastRequestAt ? { [A.lastRequestAt]: routing.lastRequestAt } : {}),
  };
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(target, dnsName(app), baseLabels(target, app), annotations),
    spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
  };
}

/** Per-slot Services, the HTTPRoute's weighted backends (gateway only). */
export function slotServiceObject(target: EnvironmentTarget, app: string, slot: Slot): KubeObjectLike {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(target, dnsName(app, slot), { ...baseLabels(target, app), [L.slot]: slot }),
    spec: { type: "ClusterIP", selector: { ...baseLabels(target, app), [L.process]: "web", [L.slot]: slot }, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
  };
}

export function routingFrom(annotations: Record<string, string> | undefined): Routing {
  const a = annotations ?? {};
  const live = a[A.live];
  return {
    live: live === "blue" || live === "green" ? live : null,
    maintenance: a[A.maintenance] === "true",
    retryAfterSeconds: Number(a[A.retryAfter] ?? "60") || 60,
    standbyShare: Number(a[A.standbyShare] ?? "0") || 0,
    asleep: a[A.asleep] === "true",
    lastRequestAt: a[A.lastRequestAt] ?? null,
  };
}

export const hostOf = (target: EnvironmentTarget, app: string) => (target.config.domain ? `${app}.${target.config.domain}` : null);

/** The Ingress of an app (ingressClass configured). */
export function ingressObject(target: EnvironmentTarget, app: string): KubeObjectLike | null {
  const host = hostOf(target, app);
  if (!target.config.ingressClass || !host) return null;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: meta(target, dnsName(app), baseLabels(target, app)),
    spec: { ingressClassName: target.config.ingressClass, rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: dnsName(app), port: { name: "http" } } } }] } }] },
  };
}

/** The HTTPRoute of an app (gateway configured): live and standby slot Services weighted by the standby share. */
export function httpRouteObject(target: EnvironmentTarget, app: string, routing: Routing): KubeObjectLike | null {
  const gateway = target.config.gateway;
  const host = hostOf(target, app);
  if (!gateway || !host) return null;
  const live = routing.live ?? "blue";
  const share = routing.maintenance || routing.asleep ? 0 : routing.standbyShare;
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: meta(target, dnsName(app), baseLabels(target, app)),
    spec: {
      parentRefs: [{ name: gateway.name, ...(gateway.namespace ? { namespace: gateway.namespace } : {}) }],
      hostnames: [host],
      rules: [
        {
          backendRefs: [
            { name: dnsName(app, live), port: 80, weight: 100 - share },
            { name: dnsName(app, other(live)), port: 80, weight: share },
          ],
        },
      ],
    },
  };
}

/** The Job of one job run: the release's image, the command from slipway.yaml, never retried by Kubernetes (Slipway decides). */
export function jobObjects(target: EnvironmentTarget, job: JobSpec): KubeObjectLike[] {
  const image = pinnedImage(target.environment, job.build);
  const name = jobName(job);
  const labels = { ...baseLabels(target, job.app), [L.release]: labelValue(job.build.releaseId), [L.job]: dnsName(job.job) };
  const annotations = { [A.buildId]: job.build.buildId, [A.version]: job.build.version, [A.reference]: job.reference };
  const data = { SLIPWAY_ENVIRONMENT: target.environment, SLIPWAY_APP: job.app, SLIPWAY_VERSION: job.build.version, SLIPWAY_COMMIT: job.build.commit, SLIPWAY_JOB: job.job };
  return [
    { apiVersion: "v1", kind: "ConfigMap", metadata: meta(target, name, labels), data },
    { apiVersion: "v1", kind: "Secret", metadata: meta(target, name, labels), type: "Opaque", stringData: job.config },
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: meta(target, name, labels, annotations),
      spec: {
        backoffLimit: 0,
        ttlSecondsAfterFinished: 7 * 24 * 3600,
        ...(job.timeoutMs ? { activeDeadlineSeconds: Math.max(1, Math.ceil(job.timeoutMs / 1000)) } : {}),
        template: {
          metadata: { labels },
          spec: { ...podSpecExtras(target), restartPolicy: "Never", containers: [container(target, image, job.job, name, { SLIPWAY_PROCESS: job.job })] },
        },
      },
    },
  ];
}
