import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parse as parseYaml } from "yaml";
import { SimKubelet, type SimFaults, type SimImage } from "./sim-kubelet";
import { discovery, SimStore, typeOf, type KubeObject, type ResourceType } from "./sim-store";

/**
 * A simulated Kubernetes API server for tests: plain HTTP speaking the real paths and JSON for the
 * kinds Slipway uses — discovery, server-side apply (PATCH `application/apply-patch+yaml` with
 * `fieldManager`, conflicts with other managers unless `force`), get/list with `labelSelector`,
 * delete, `status`, pod logs and the pod proxy (health checks) — with a "kubelet" loop
 * (SimKubelet) and fault switches. `kubeconfig()` gives a kubeconfig the official client loads
 * like any cluster's. It is not a cluster: no scheduling, no real containers, no watch.
 */

export interface ApiFault {
  status: 403 | 409 | 429 | 500 | 503;
  /** How many matching requests fail; then the fault is spent. */
  times: number;
  method?: string;
  /** A substring of the request path. */
  path?: string;
}

export interface SimCluster {
  url: string;
  store: SimStore;
  kubelet: SimKubelet;
  images: Map<string, SimImage>;
  faults: SimFaults & { api: ApiFault[]; forbiddenNamespaces: Set<string> };
  /** Every request as `METHOD path` (with query), in order. */
  requests: string[];
  /** A kubeconfig (YAML) pointing at this server, context `sim`. */
  kubeconfig(namespace?: string): string;
  /** Changes an object the way `kubectl edit` would (another field manager), as a person's hand edit. */
  edit(groupVersion: string, plural: string, namespace: string, name: string, change: (object: KubeObject) => void): void;
  close(): Promise<void>;
}

const REASONS: Record<number, string> = {
  400: "BadRequest",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
};

function send(res: ServerResponse, code: number, body: unknown, contentType = "application/json"): void {
  res.writeHead(code, { "content-type": contentType, ...(code === 429 ? { "retry-after": "1" } : {}) });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

function status(res: ServerResponse, code: number, message: string, details?: { name?: string; kind?: string; group?: string }): void {
  send(res, code, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: REASONS[code] ?? "Unknown", details, code });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** `{metadata, spec, data, …}` of an apply, merged over what exists: the applier's fields win, status and system metadata stay. */
function applyOver(existing: KubeObject | undefined, applied: KubeObject, manager: string, type: ResourceType): KubeObject {
  const { status: _ignored, metadata, ...fields } = applied;
  const base: KubeObject = existing ? structuredClone(existing) : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: { name: metadata.name } };
  const before = JSON.stringify({ spec: base.spec, data: base.data });
  for (const [field, value] of Object.entries(fields)) base[field] = value;
  base.metadata = {
    ...base.metadata,
    namespace: type.namespaced ? metadata.namespace : undefined,
    labels: metadata.labels,
    annotations: metadata.annotations,
    managedFields: [{ manager, operation: "Apply", apiVersion: applied.apiVersion }],
  };
  if (!type.namespaced) delete base.metadata.namespace;
  const changed = JSON.stringify({ spec: base.spec, data: base.data }) !== before;
  base.metadata.generation = (existing?.metadata.generation ?? 0) + (changed || !existing ? 1 : 0);
  if (type.kind === "Namespace") base.status = { phase: "Active" };
  return base;
}

/** Starts the server on 127.0.0.1 (a free port) with its kubelet ticking every `tickMs`. */
export async function startSimCluster(options: { tickMs?: number } = {}): Promise<SimCluster> {
  const store = new SimStore();
  const images = new Map<string, SimImage>();
  const faults: SimCluster["faults"] = { pullFailures: new Set(), crashing: new Set(), insufficientResources: false, hangingJobs: new Set(), api: [], forbiddenNamespaces: new Set() };
  const kubelet = new SimKubelet(store, images, faults);
  const requests: string[] = [];
  const NAMESPACE = typeOf("v1", "namespaces")!;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://sim");
    const method = req.method ?? "GET";
    requests.push(`${method} ${url.pathname}${url.search}`);
    const fault = faults.api.find((f) => f.times > 0 && (!f.method || f.method === method) && (!f.path || url.pathname.includes(f.path)));
    if (fault) {
      fault.times--;
      return status(
        res,
        fault.status,
        fault.status === 429
          ? "Too many requests, please try again later."
          : fault.status === 409
            ? "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again"
            : fault.status === 403
              ? "forbidden (simulated)"
              : "Internal error occurred: etcdserver: request timed out",
      );
    }
    if (url.pathname === "/version") return send(res, 200, { major: "1", minor: "33", gitVersion: "v1.33.0-slipway-sim" });
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    // /api/v1/... or /apis/<group>/<version>/...
    let groupVersion: string;
    let rest: string[];
    if (parts[0] === "api" && parts[1] === "v1") [groupVersion, rest] = ["v1", parts.slice(2)];
    else if (parts[0] === "apis" && parts.length >= 3) [groupVersion, rest] = [`${parts[1]}/${parts[2]}`, parts.slice(3)];
    else return status(res, 404, "the server could not find the requested resource");
    if (rest.length === 0) {
      const doc = discovery(groupVersion);
      return doc ? send(res, 200, doc) : status(res, 404, "the server could not find the requested resource");
    }
    let namespace: string | undefined;
    if (rest[0] === "namespaces" && rest.length >= 3) [namespace, rest] = [rest[1], rest.slice(2)];
    else if (rest[0] === "namespaces") [namespace, rest] = [undefined, rest];
    const type = typeOf(groupVersion, rest[0]!);
    if (!type) return status(res, 404, "the server could not find the requested resource");
    const name = rest[1];
    const sub = rest.slice(2).join("/");
    const scope = namespace ?? (type.kind === "Namespace" ? name : undefined);
    if (scope && faults.forbiddenNamespaces.has(scope)) {
      const verb = method === "PATCH" ? "patch" : method === "DELETE" ? "delete" : name ? "get" : "list";
      const group = groupVersion.includes("/") ? groupVersion.split("/")[0] : "";
      return status(
        res,
        403,
        `${type.plural}${group ? `.${group}` : ""}${name ? ` "${name}"` : ""} is forbidden: User "system:serviceaccount:slipway:slipway" cannot ${verb} resource "${type.plural}" in API group "${group}" in the namespace "${scope}"`,
        { name, kind: type.plural, group },
      );
    }
    if (type.namespaced && namespace && !store.get(NAMESPACE, undefined, namespace) && method !== "GET") {
      return status(res, 404, `namespaces "${namespace}" not found`, { name: namespace, kind: "namespaces" });
    }
    if (!name) {
      if (method !== "GET") return status(res, 405, `${method} is not supported on a collection here`);
      const items = store.list(type, type.namespaced ? namespace : undefined, url.searchParams.get("labelSelector"));
      return send(res, 200, { kind: `${type.kind}List`, apiVersion: groupVersion, metadata: { resourceVersion: store.resourceVersion }, items });
    }
    const existing = store.get(type, namespace, name);
    const notFound = () => status(res, 404, `${type.plural}${groupVersion.includes("/") ? `.${groupVersion.split("/")[0]}` : ""} "${name}" not found`, { name, kind: type.plural });
    if (type.kind === "Pod" && sub === "log" && method === "GET") {
      if (!existing) return notFound();
      let log = kubelet.logs.get(kubelet.podKey(namespace!, name)) ?? "";
      const tail = Number(url.searchParams.get("tailLines") ?? "0");
      if (tail > 0) log = log.split("\n").filter(Boolean).slice(-tail).join("\n") + "\n";
      return send(res, 200, log, "text/plain");
    }
    if (type.plural === "pods" && /:\d+$/.test(name) && rest[2] === "proxy") return proxy(name, namespace!, res);
    if (method === "GET") return existing ? send(res, 200, existing) : notFound();
    if (method === "DELETE") {
      if (!existing) return notFound();
      if (type.kind === "Namespace") {
        store.purgeNamespace(name);
        store.delete(type, undefined, name);
        return send(res, 200, { ...existing, metadata: { ...existing.metadata, deletionTimestamp: new Date().toISOString() }, status: { phase: "Terminating" } });
      }
      store.delete(type, namespace, name);
      return send(res, 200, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name, kind: type.plural, uid: existing.metadata.uid } });
    }
    if (method === "PATCH") {
      if (!(req.headers["content-type"] ?? "").startsWith("application/apply-patch+yaml")) return status(res, 415, `the simulated server only accepts server-side apply (application/apply-patch+yaml), not ${req.headers["content-type"]}`);
      const manager = url.searchParams.get("fieldManager");
      if (!manager) return status(res, 400, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      let applied: KubeObject;
      try {
        applied = parseYaml(await readBody(req)) as KubeObject;
      } catch (error) {
        return status(res, 400, `error decoding YAML: ${(error as Error).message}`);
      }
      if (applied?.kind !== type.kind || applied.apiVersion !== groupVersion || applied.metadata?.name !== name)
        return status(res, 400, `the body (${applied?.apiVersion}/${applied?.kind} "${applied?.metadata?.name}") does not match the URL (${groupVersion}/${type.kind} "${name}")`);
      const others = existing?.metadata.managedFields?.filter((f) => f.manager !== manager) ?? [];
      if (others.length > 0 && url.searchParams.get("force") !== "true") {
        return status(res, 409, `Apply failed with 1 conflict: conflict with "${others[0]!.manager}" using ${groupVersion}: .spec`, { name, kind: type.plural });
      }
      if (type.kind === "Namespace" && existing?.status && (existing.status as { phase?: string }).phase === "Terminating") return status(res, 409, `namespace ${name} is being terminated`);
      const object = store.put(type, applyOver(existing, { ...applied, metadata: { ...applied.metadata, namespace } }, manager, type));
      return send(res, existing ? 200 : 201, object);
    }
    return status(res, 405, `${method} is not supported by the simulated server`);
  };

  const proxy = (target: string, namespace: string, res: ServerResponse) => {
    const [podName] = target.split(":");
    const pod = store.get(typeOf("v1", "pods")!, namespace, podName!);
    if (!pod) return status(res, 404, `pods "${podName}" not found`);
    const ready = (pod.status as { conditions?: { type: string; status: string }[] }).conditions?.some((c) => c.type === "Ready" && c.status === "True");
    if (!ready) return status(res, 503, `error trying to reach service: dial tcp ${(pod.status as { podIP?: string }).podIP ?? "?"}:8080: connect: connection refused`);
    const container = (pod.spec as { containers: { image: string; env?: { name: string; value?: string }[] }[] }).containers[0]!;
    const image = images.get(container.image)!;
    const environment = container.env?.find((e) => e.name === "SLIPWAY_ENVIRONMENT")?.value;
    return send(res, 200, { status: "healthy", app: image.app, version: image.version, commit: image.commit, environment });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => status(res, 500, `simulated server error: ${(error as Error).message}`));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const timer = setInterval(() => kubelet.tick(), options.tickMs ?? 10);

  return {
    url,
    store,
    kubelet,
    images,
    faults,
    requests,
    kubeconfig: (namespace = "default") =>
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: sim\n  cluster:\n    server: ${url}\n    insecure-skip-tls-verify: true`,
        "users:",
        "- name: slipway\n  user:\n    token: sim-token",
        "contexts:",
        `- name: sim\n  context:\n    cluster: sim\n    user: slipway\n    namespace: ${namespace}`,
        "current-context: sim",
        "",
      ].join("\n"),
    edit(groupVersion, plural, namespace, name, change) {
      const type = typeOf(groupVersion, plural)!;
      const object = store.get(type, namespace, name);
      if (!object) throw new Error(`${plural} ${namespace}/${name} does not exist`);
      const copy = structuredClone(object);
      change(copy);
      copy.metadata.generation = (copy.metadata.generation ?? 1) + 1;
      copy.metadata.managedFields = [...(copy.metadata.managedFields ?? []), { manager: "kubectl-edit", operation: "Update", apiVersion: groupVersion }];
      store.put(type, copy);
    },
    async close() {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
