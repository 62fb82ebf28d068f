/**
 * Renders a kustomization directory (deploy/kubernetes/overlays/*) the way `kubectl kustomize`
 * does, in-process, so the tests can check the manifests without a kubectl or kustomize binary.
 *
 * Only the subset of kustomize these manifests use is implemented, with kustomize's meaning:
 * `resources` (YAML files inside the directory, or other kustomization directories), `namespace`,
 * `labels` (`pairs`, `includeTemplates`; not `includeSelectors`), `replicas`, `images` (`newName`,
 * `newTag`, `digest`) and `patches` in the JSON 6902 form with a `target` by kind and name. Any
 * other field, a strategic-merge patch or a remote resource is refused with a KustomizeError
 * naming it, never ignored: a manifest this renderer cannot read the way kustomize does fails the
 * tests instead of passing them wrongly.
 *
 * CLI: `npx tsx deploy/kubernetes/render.ts deploy/kubernetes/overlays/production` prints the
 * rendered YAML (the same objects as `kubectl kustomize`, possibly in another order).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, stringify } from "yaml";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export class KustomizeError extends Error {}

const SUPPORTED_FIELDS = new Set(["apiVersion", "kind", "namespace", "labels", "resources", "replicas", "images", "patches"]);

/** Kinds that live outside namespaces: the namespace transformer leaves them alone. */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PersistentVolume",
  "StorageClass",
  "PriorityClass",
  "IngressClass",
  "GatewayClass",
  "RuntimeClass",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
]);

/** Kinds whose pod template (`spec.template`) gets the labels when `includeTemplates` is set, and whose containers get `images`. */
const POD_TEMPLATE_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"]);
/** Kinds the `replicas` field may set. */
const SCALABLE_KINDS = new Set(["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isRecord(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === "object" && !Array.isArray(value);
}

/**
 * YAML 1.1, as kubectl reads manifests: there `off`, `yes` and `on` are booleans, so an unquoted
 * `value: off` is caught by the schema check instead of passing here and failing on the cluster.
 */
const YAML_VERSION = { version: "1.1" } as const;

function readYamlDocuments(file: string): unknown[] {
  const documents = parseAllDocuments(fs.readFileSync(file, "utf8"), YAML_VERSION);
  const values: unknown[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) throw new KustomizeError(`${file}: ${document.errors[0]!.message}`);
    const value = document.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

function kustomizationFile(dir: string): string {
  for (const name of ["kustomization.yaml", "kustomization.yml", "Kustomization"]) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  throw new KustomizeError(`${dir}: no kustomization.yaml`);
}

function objectId(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
}

function asObject(value: unknown, where: string): KubeObject {
  if (!isRecord(value) || typeof value.apiVersion !== "string" || typeof value.kind !== "string" || !isRecord(value.metadata) || typeof value.metadata.name !== "string") {
    throw new KustomizeError(`${where}: every resource needs apiVersion, kind and metadata.name`);
  }
  return value as unknown as KubeObject;
}

/**
 * Renders the kustomization in `dir` and everything it includes.
 *
 * @returns the objects, in the order their files list them (kustomize sorts them by kind on output; order carries no meaning here)
 * @throws KustomizeError for a missing or unreadable file, an unsupported field or patch form, a
 *   resource outside the directory, a duplicate object, or a patch, replica count or image that matches nothing
 */
export function renderKustomization(dir: string): KubeObject[] {
  const file = kustomizationFile(dir);
  const [k] = readYamlDocuments(file);
  if (!isRecord(k)) throw new KustomizeError(`${file}: not a mapping`);
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED_FIELDS.has(key));
  if (unsupported.length > 0) throw new KustomizeError(`${file}: unsupported field(s) ${unsupported.join(", ")} (this renderer implements ${[...SUPPORTED_FIELDS].join(", ")})`);
  if (k.apiVersion !== "kustomize.config.k8s.io/v1beta1" || k.kind !== "Kustomization") {
    throw new KustomizeError(`${file}: expected apiVersion kustomize.config.k8s.io/v1beta1 and kind Kustomization`);
  }

  const objects: KubeObject[] = [];
  for (const entry of (k.resources as unknown[] | undefined) ?? []) {
    if (typeof entry !== "string") throw new KustomizeError(`${file}: resources must be paths`);
    if (/^[a-z]+:\/\//i.test(entry) || entry.startsWith("github.com/")) throw new KustomizeError(`${file}: remote resource ${entry} is not supported`);
    const target = path.resolve(dir, entry);
    if (!fs.existsSync(target)) throw new KustomizeError(`${file}: resource ${entry} does not exist`);
    if (fs.statSync(target).isDirectory()) {
      objects.push(...renderKustomization(target));
    } else {
      // kustomize's default load restriction: a file resource must be inside the kustomization's directory.
      if (path.relative(dir, target).startsWith("..")) throw new KustomizeError(`${file}: file ${entry} is outside ${dir} (kustomize refuses it; include its directory as a kustomization instead)`);
      objects.push(...readYamlDocuments(target).map((value) => asObject(value, target)));
    }
  }

  for (const [index, patch] of ((k.patches as unknown[] | undefined) ?? []).entries()) applyPatch(objects, patch, dir, `${file}: patches[${index}]`);
  if (k.namespace !== undefined) {
    if (typeof k.namespace !== "string") throw new KustomizeError(`${file}: namespace must be a string`);
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  for (const [index, entry] of ((k.labels as unknown[] | undefined) ?? []).entries()) applyLabels(objects, entry, `${file}: labels[${index}]`);
  for (const [index, entry] of ((k.replicas as unknown[] | undefined) ?? []).entries()) applyReplicas(objects, entry, `${file}: replicas[${index}]`);
  for (const [index, entry] of ((k.images as unknown[] | undefined) ?? []).entries()) applyImage(objects, entry, `${file}: images[${index}]`);

  const seen = new Set<string>();
  for (const o of objects) {
    const id = objectId(o);
    if (seen.has(id)) throw new KustomizeError(`${file}: ${id} is defined twice`);
    seen.add(id);
  }
  return objects;
}

function applyLabels(objects: KubeObject[], entry: unknown, where: string): void {
  if (!isRecord(entry) || !isRecord(entry.pairs)) throw new KustomizeError(`${where}: expected { pairs: {…} }`);
  const unknown = Object.keys(entry).filter((key) => !["pairs", "includeTemplates", "includeSelectors"].includes(key));
  if (unknown.length > 0) throw new KustomizeError(`${where}: unsupported field(s) ${unknown.join(", ")}`);
  if (entry.includeSelectors === true) throw new KustomizeError(`${where}: includeSelectors is not supported (selectors are immutable: keep them out of label transforms)`);
  const pairs = Object.fromEntries(Object.entries(entry.pairs).map(([key, value]) => [key, String(value)]));
  for (const o of objects) {
    o.metadata.labels = { ...o.metadata.labels, ...pairs };
    if (entry.includeTemplates === true && POD_TEMPLATE_KINDS.has(o.kind)) {
      const template = (o.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template;
      if (template) template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...pairs } };
    }
  }
}

function applyReplicas(objects: KubeObject[], entry: unknown, where: string): void {
  if (!isRecord(entry) || typeof entry.name !== "string" || typeof entry.count !== "number" || !Number.isInteger(entry.count) || entry.count < 0) {
    throw new KustomizeError(`${where}: expected { name, count } with a whole count ≥ 0`);
  }
  const matched = objects.filter((o) => SCALABLE_KINDS.has(o.kind) && o.metadata.name === entry.name);
  if (matched.length === 0) throw new KustomizeError(`${where}: no Deployment, StatefulSet or ReplicaSet named ${entry.name}`);
  for (const o of matched) (o.spec as Record<string, unknown>).replicas = entry.count;
}

/** Splits `registry:5000/app:tag@sha256:…` into its name and what follows it (`:tag`, `@digest`, both or nothing). */
export function splitImage(image: string): { name: string; rest: string } {
  const at = image.indexOf("@");
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = withoutDigest.lastIndexOf(":");
  const end = colon > withoutDigest.lastIndexOf("/") ? colon : at >= 0 ? at : image.length;
  return { name: image.slice(0, end), rest: image.slice(end) };
}

function applyImage(objects: KubeObject[], entry: unknown, where: string): void {
  if (!isRecord(entry) || typeof entry.name !== "string") throw new KustomizeError(`${where}: expected { name, newName?, newTag?, digest? }`);
  const unknown = Object.keys(entry).filter((key) => !["name", "newName", "newTag", "digest"].includes(key));
  if (unknown.length > 0) throw new KustomizeError(`${where}: unsupported field(s) ${unknown.join(", ")}`);
  if (entry.digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(String(entry.digest))) throw new KustomizeError(`${where}: digest must be sha256: and 64 hex digits`);
  let matched = 0;
  for (const o of objects) {
    if (!POD_TEMPLATE_KINDS.has(o.kind)) continue;
    const pod = (o.spec as { template?: { spec?: { containers?: { image?: string }[]; initContainers?: { image?: string }[] } } } | undefined)?.template?.spec;
    for (const container of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
      if (typeof container.image !== "string") continue;
      const { name, rest } = splitImage(container.image);
      if (name !== entry.name) continue;
      matched++;
      const suffix = entry.digest !== undefined ? `@${entry.digest}` : entry.newTag !== undefined ? `:${entry.newTag}` : rest;
      container.image = `${entry.newName ?? name}${suffix}`;
    }
  }
  if (matched === 0) throw new KustomizeError(`${where}: no container uses the image ${entry.name}`);
}

function applyPatch(objects: KubeObject[], patch: unknown, dir: string, where: string): void {
  if (!isRecord(patch) || !isRecord(patch.target)) throw new KustomizeError(`${where}: expected { target: { kind, name }, patch | path }`);
  const { target } = patch;
  const unknownTarget = Object.keys(target).filter((key) => !["kind", "name", "namespace"].includes(key));
  if (unknownTarget.length > 0 || typeof target.kind !== "string" || typeof target.name !== "string") {
    throw new KustomizeError(`${where}: target must name kind and name (and optionally namespace) exactly`);
  }
  let text: string;
  if (typeof patch.patch === "string") text = patch.patch;
  else if (typeof patch.path === "string") text = fs.readFileSync(path.resolve(dir, patch.path), "utf8");
  else throw new KustomizeError(`${where}: needs patch or path`);
  const docs = parseAllDocuments(text, YAML_VERSION).map((d) => d.toJS() as unknown);
  const operations = docs[0];
  if (docs.length !== 1 || !Array.isArray(operations)) throw new KustomizeError(`${where}: only JSON 6902 patches (a list of operations) are supported, not strategic-merge patches`);
  const matched = objects.filter((o) => o.kind === target.kind && o.metadata.name === target.name && (target.namespace === undefined || o.metadata.namespace === target.namespace));
  if (matched.length === 0) throw new KustomizeError(`${where}: no ${target.kind} named ${target.name}`);
  for (const o of matched) {
    for (const [index, operation] of operations.entries()) applyOperation(o as unknown as Json, operation, `${where} operation ${index}`);
  }
}

function pointer(pathText: unknown, where: string): string[] {
  if (typeof pathText !== "string" || !pathText.startsWith("/")) throw new KustomizeError(`${where}: path must be a JSON pointer starting with /`);
  return pathText
    .slice(1)
    .split("/")
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function walkTo(document: Json, parts: string[], where: string): Json {
  let node = document;
  for (const part of parts) {
    const next = Array.isArray(node) ? node[Number(part)] : isRecord(node) ? (node as Record<string, Json>)[part] : undefined;
    if (next === undefined) throw new KustomizeError(`${where}: /${parts.join("/")} does not exist`);
    node = next;
  }
  return node;
}

/** One RFC 6902 operation (add, remove, replace, test) on `document`, in place. */
function applyOperation(document: Json, operation: unknown, where: string): void {
  if (!isRecord(operation) || typeof operation.op !== "string") throw new KustomizeError(`${where}: expected { op, path, value? }`);
  const parts = pointer(operation.path, where);
  const last = parts.pop()!;
  const parent = walkTo(document, parts, where);
  const value = operation.value as Json;
  switch (operation.op) {
    case "add":
      if (Array.isArray(parent)) {
        const index = last === "-" ? parent.length : Number(last);
        if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new KustomizeError(`${where}: index ${last} is out of range`);
        parent.splice(index, 0, value);
      } else if (isRecord(parent)) (parent as Record<string, Json>)[last] = value;
      else throw new KustomizeError(`${where}: cannot add inside a scalar`);
      return;
    case "replace":
    case "remove": {
      walkTo(document, [...parts, last], where);
      if (Array.isArray(parent)) {
        if (operation.op === "remove") parent.splice(Number(last), 1);
        else parent[Number(last)] = value;
      } else if (operation.op === "remove") delete (parent as Record<string, Json>)[last];
      else (parent as Record<string, Json>)[last] = value;
      return;
    }
    case "test":
      if (JSON.stringify(walkTo(document, [...parts, last], where)) !== JSON.stringify(value)) throw new KustomizeError(`${where}: test failed at ${String(operation.path)}`);
      return;
    default:
      throw new KustomizeError(`${where}: op ${operation.op} is not supported (add, remove, replace, test)`);
  }
}

/** The objects as one multi-document YAML stream, as `kubectl kustomize` prints it (strings like "off" quoted for YAML 1.1 readers). */
export function toYaml(objects: KubeObject[]): string {
  return objects.map((o) => stringify(o, YAML_VERSION)).join("---\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: npx tsx deploy/kubernetes/render.ts <kustomization directory>");
    process.exit(2);
  }
  try {
    process.stdout.write(toYaml(renderKustomization(path.resolve(dir))));
  } catch (error) {
    console.error(error instanceof KustomizeError ? error.message : error);
    process.exit(1);
  }
}
