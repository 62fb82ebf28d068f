import * as models from "kubernetes-models";

/**
 * Validation of Kubernetes objects against the official schemas, before they are applied (the
 * adapter) and in tests (every object the adapter generates, the manifests under deploy/).
 *
 * Source of the schemas: the `kubernetes-models` package (4.5.1, MIT), generated from the upstream
 * Kubernetes OpenAPI document (v1.33 fields, e.g. DeploymentStatus.terminatingReplicas) and checked
 * with ajv. Beyond the OpenAPI document it checks what the API server itself refuses and the schema
 * does not say: object names (DNS-1123), label keys and values, annotation keys.
 *
 * Custom resources (Gateway API HTTPRoute) are not in that package: `validateObject` refuses
 * them with "unknown kind" unless `allowUnknownKinds` is set, so a caller never mistakes
 * "not checked" for "valid".
 */

export interface ObjectProblem {
  /** JSON pointer into the object, e.g. `/spec/template/spec/containers/0/image`. */
  path: string;
  message: string;
}

type ModelClass = new (data: unknown) => { validate(): void };

/** `apps/v1` + `Deployment` → the model class, from every group and version the package knows (core `v1` is one level up). */
const byKind = new Map<string, ModelClass>();
function collect(namespace: Record<string, unknown>, depth: number): void {
  for (const value of Object.values(namespace)) {
    const model = value as { apiVersion?: unknown; kind?: unknown };
    if (typeof value === "function") {
      if (typeof model.apiVersion === "string" && typeof model.kind === "string") byKind.set(`${model.apiVersion}/${model.kind}`, value as unknown as ModelClass);
    } else if (value && typeof value === "object" && depth < 2) {
      collect(value as Record<string, unknown>, depth + 1);
    }
  }
}
collect(models as unknown as Record<string, unknown>, 0);

const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** Kinds whose names must be DNS-1123 labels (≤ 63), not just subdomains. */
const LABEL_NAMED = new Set(["v1/Namespace", "v1/Service"]);

/** Whether the schemas know `apiVersion`/`kind`. */
export function isKnownKind(apiVersion: string, kind: string): boolean {
  return byKind.has(`${apiVersion}/${kind}`);
}

function keyProblem(key: string): string | null {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null && (prefix.length > 253 || !DNS_1123_SUBDOMAIN.test(prefix))) return `key prefix "${prefix}" must be a DNS-1123 subdomain`;
  if (name.length > 63 || !QUALIFIED_NAME.test(name)) return `key "${key}" must be a qualified name (≤ 63 characters: letters, digits, '-', '_', '.')`;
  return null;
}

function metadataProblems(metadata: Record<string, unknown>, at: string, nameRule: "label" | "subdomain" | null): ObjectProblem[] {
  const problems: ObjectProblem[] = [];
  const name = metadata.name;
  if (nameRule && typeof name === "string") {
    const ok = nameRule === "label" ? name.length <= 63 && DNS_1123_LABEL.test(name) : name.length <= 253 && DNS_1123_SUBDOMAIN.test(name);
    if (!ok) problems.push({ path: `${at}/name`, message: `"${name}" must be a DNS-1123 ${nameRule} (lower-case letters, digits, '-'${nameRule === "subdomain" ? ", '.'" : ""}; ≤ ${nameRule === "label" ? 63 : 253})` });
  }
  for (const [field, checkValue] of [
    ["labels", true],
    ["annotations", false],
  ] as const) {
    const entries = metadata[field];
    if (!entries || typeof entries !== "object") continue;
    for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
      const keyIssue = keyProblem(key);
      if (keyIssue) problems.push({ path: `${at}/${field}/${key}`, message: keyIssue });
      if (checkValue && typeof value === "string" && (value.length > 63 || !LABEL_VALUE.test(value))) {
        problems.push({ path: `${at}/${field}/${key}`, message: `label value "${value}" must be ≤ 63 characters of letters, digits, '-', '_', '.', starting and ending alphanumeric` });
      }
    }
  }
  return problems;
}

/**
 * Checks one object against the official schema of its `apiVersion`/`kind`, plus the API
 * server's name and label rules (also inside pod templates and Job templates).
 *
 * @returns the problems found; empty when the object is valid.
 * @throws never: an unknown kind is a problem, unless `options.allowUnknownKinds`.
 */
export function objectProblems(object: unknown, options: { allowUnknownKinds?: boolean } = {}): ObjectProblem[] {
  if (!object || typeof object !== "object" || Array.isArray(object)) return [{ path: "", message: "is not an object" }];
  const { apiVersion, kind, metadata } = object as { apiVersion?: unknown; kind?: unknown; metadata?: unknown };
  if (typeof apiVersion !== "string" || typeof kind !== "string") return [{ path: "", message: "has no apiVersion and kind" }];
  const Model = byKind.get(`${apiVersion}/${kind}`);
  const problems: ObjectProblem[] = [];
  if (!Model) {
    if (!options.allowUnknownKinds) return [{ path: "", message: `unknown kind ${apiVersion}/${kind}: no official schema to check it against` }];
  } else {
    try {
      new Model(object).validate();
    } catch (error) {
      const errors = (error as { errors?: { instancePath?: string; message?: string }[] }).errors;
      if (!errors) throw error;
      for (const e of errors) problems.push({ path: e.instancePath ?? "", message: e.message ?? "is invalid" });
    }
  }
  if (metadata && typeof metadata === "object") {
    const nameRule = LABEL_NAMED.has(`${apiVersion}/${kind}`) ? "label" : "subdomain";
    problems.push(...metadataProblems(metadata as Record<string, unknown>, "/metadata", nameRule));
  }
  // Pod templates (Deployment, Job) and the Job template of a CronJob carry labels too.
  const spec = (object as { spec?: { template?: { metadata?: unknown }; jobTemplate?: { metadata?: unknown } } }).spec;
  for (const [at, inner] of [
    ["/spec/template/metadata", spec?.template?.metadata],
    ["/spec/jobTemplate/metadata", spec?.jobTemplate?.metadata],
  ] as const) {
    if (inner && typeof inner === "object") problems.push(...metadataProblems(inner as Record<string, unknown>, at, null));
  }
  return problems;
}

/** A generated object that the API server would refuse. */
export class InvalidObjectError extends Error {
  constructor(
    readonly object: { kind: string; name: string },
    readonly problems: ObjectProblem[],
  ) {
    super(`${object.kind} "${object.name}" is not a valid Kubernetes object: ${problems.map((p) => `${p.path || "(object)"} ${p.message}`).join("; ")}`);
  }
}

/**
 * Like `objectProblems`, but throws InvalidObjectError naming the kind, the name and each
 * problem (path and message) when there is any.
 */
export function validateObject(object: unknown, options: { allowUnknownKinds?: boolean } = {}): void {
  const problems = objectProblems(object, options);
  if (problems.length === 0) return;
  const o = object as { kind?: unknown; metadata?: { name?: unknown } } | null;
  throw new InvalidObjectError({ kind: typeof o?.kind === "string" ? o.kind : "object", name: typeof o?.metadata?.name === "string" ? o.metadata.name : "(unnamed)" }, problems);
}
