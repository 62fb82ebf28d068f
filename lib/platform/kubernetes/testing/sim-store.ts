/**
 * The object store of the simulated Kubernetes API server (tests only): the resources Slipway's
 * adapter uses, keyed like the real API (group/version, plural, namespace, name), with the
 * discovery documents the official client reads before it builds a URL.
 */

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: { manager: string; operation: string; apiVersion: string }[];
    deletionTimestamp?: string;
  };
  [field: string]: unknown;
}

export interface ResourceType {
  groupVersion: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Has a `status` the "kubelet" owns: applies never change it. */
  status: boolean;
}

export const RESOURCE_TYPES: ResourceType[] = [
  { groupVersion: "v1", plural: "namespaces", kind: "Namespace", namespaced: false, status: true },
  { groupVersion: "v1", plural: "services", kind: "Service", namespaced: true, status: true },
  { groupVersion: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true, status: false },
  { groupVersion: "v1", plural: "secrets", kind: "Secret", namespaced: true, status: false },
  { groupVersion: "v1", plural: "pods", kind: "Pod", namespaced: true, status: true },
  { groupVersion: "apps/v1", plural: "deployments", kind: "Deployment", namespaced: true, status: true },
  { groupVersion: "batch/v1", plural: "jobs", kind: "Job", namespaced: true, status: true },
  { groupVersion: "networking.k8s.io/v1", plural: "ingresses", kind: "Ingress", namespaced: true, status: true },
  { groupVersion: "gateway.networking.k8s.io/v1", plural: "httproutes", kind: "HTTPRoute", namespaced: true, status: true },
];

/** The APIResourceList the real server answers on `/api/v1` and `/apis/<group>/<version>`. */
export function discovery(groupVersion: string): object | null {
  const types = RESOURCE_TYPES.filter((t) => t.groupVersion === groupVersion);
  if (types.length === 0) return null;
  const resources = types.flatMap((t) => [
    { name: t.plural, singularName: t.kind.toLowerCase(), namespaced: t.namespaced, kind: t.kind, verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] },
    ...(t.status ? [{ name: `${t.plural}/status`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: ["get", "patch", "update"] }] : []),
  ]);
  if (groupVersion === "v1") resources.push({ name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] }, { name: "pods/proxy", singularName: "", namespaced: true, kind: "PodProxyOptions", verbs: ["get"] });
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources };
}

/** `a=b,c in (d,e),!f,g` as the API server reads `labelSelector` (equality, set, existence). */
export function matchesSelector(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  const have = labels ?? {};
  const terms = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return terms.every((raw) => {
    const term = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const values = m[3]!.split(",").map((v) => v.trim());
      const inSet = m[1]! in have && values.includes(have[m[1]!]!);
      return m[2] === "in" ? inSet : !inSet;
    }
    if ((m = term.match(/^([^!=]+)!=(.*)$/))) return have[m[1]!.trim()] !== m[2]!.trim();
    if ((m = term.match(/^([^!=]+)==?(.*)$/))) return have[m[1]!.trim()] === m[2]!.trim();
    if (term.startsWith("!")) return !(term.slice(1) in have);
    return term in have;
  });
}

/** Every object, keyed `groupVersion|plural|namespace|name`, with the counters a server keeps. */
export class SimStore {
  private objects = new Map<string, KubeObject>();
  private version = 1;
  private uid = 1;

  key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.groupVersion}|${type.plural}|${type.namespaced ? (namespace ?? "") : ""}|${name}`;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(this.key(type, namespace, name));
  }

  /** Stores `object` with a new resourceVersion; sets uid and creationTimestamp on first write. */
  put(type: ResourceType, object: KubeObject): KubeObject {
    const key = this.key(type, object.metadata.namespace, object.metadata.name);
    const before = this.objects.get(key);
    object.metadata.uid = before?.metadata.uid ?? `uid-${this.uid++}`;
    object.metadata.creationTimestamp = before?.metadata.creationTimestamp ?? new Date().toISOString();
    object.metadata.resourceVersion = String(this.version++);
    this.objects.set(key, object);
    return object;
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = this.key(type, namespace, name);
    const before = this.objects.get(key);
    this.objects.delete(key);
    return before;
  }

  list(type: ResourceType, namespace: string | undefined, selector: string | null = null): KubeObject[] {
    const prefix = `${type.groupVersion}|${type.plural}|`;
    return [...this.objects.entries()]
      .filter(([key, o]) => key.startsWith(prefix) && (namespace === undefined || o.metadata.namespace === namespace) && matchesSelector(o.metadata.labels, selector))
      .map(([, o]) => o)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  /** Removes every namespaced object of `namespace` (the namespace controller's work). */
  purgeNamespace(namespace: string): void {
    for (const [key, o] of this.objects) if (o.metadata.namespace === namespace) this.objects.delete(key);
  }

  get resourceVersion(): string {
    return String(this.version);
  }
}

export function typeOf(groupVersion: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.groupVersion === groupVersion && t.plural === plural);
}

export function typeOfKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.groupVersion === apiVersion && t.kind === kind);
}
