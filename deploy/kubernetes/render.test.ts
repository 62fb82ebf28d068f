import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KustomizeError, renderKustomization, splitImage, toYaml } from "./render";

// The in-process kustomize subset the manifests' tests render with: kustomize's meaning for what
// it implements, and a KustomizeError (never a silent pass) for anything else.
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-kustomize-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, labels: { app: web } }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: registry.local:5000/team/web:1.0
          env: [{ name: A, value: "1" }]
`;
const CLUSTER_ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: reader }
rules: []
`;

function base(extra = ""): void {
  write("base/objects.yaml", `${DEPLOYMENT}---\n${CLUSTER_ROLE}`);
  write("base/kustomization.yaml", `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [objects.yaml]\n${extra}`);
}

function overlay(body: string): void {
  write("overlay/kustomization.yaml", `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\n${body}`);
}

describe("renderKustomization", () => {
  it("applies namespace, labels, replicas, images and JSON 6902 patches of an overlay to its base", () => {
    base("namespace: team\n");
    overlay(`labels:
  - pairs: { owner: platform }
    includeTemplates: true
replicas: [{ name: web, count: 4 }]
images: [{ name: registry.local:5000/team/web, newName: mirror.local/web, digest: "sha256:${"a".repeat(64)}" }]
patches:
  - target: { kind: Deployment, name: web }
    patch: |
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: { name: B, value: "2" }
      - op: replace
        path: /metadata/labels/app
        value: web~site
`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the rendered manifests are read as loose JSON, field by field
    const [deployment, role] = renderKustomization(path.join(dir, "overlay")) as unknown as [Record<string, any>, Record<string, any>];
    expect(deployment.metadata).toEqual({ name: "web", namespace: "team", labels: { app: "web~site", owner: "platform" } });
    expect(deployment.spec.replicas).toBe(4);
    expect(deployment.spec.selector.matchLabels).toEqual({ app: "web" }); // selectors are immutable: never relabelled
    expect(deployment.spec.template.metadata.labels).toEqual({ app: "web", owner: "platform" });
    expect(deployment.spec.template.spec.containers[0].image).toBe(`mirror.local/web@sha256:${"a".repeat(64)}`);
    expect(deployment.spec.template.spec.containers[0].env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "2" },
    ]);
    expect(role.metadata.namespace).toBeUndefined(); // cluster-scoped
    expect(role.metadata.labels).toEqual({ owner: "platform" });
    expect(parseAllDocuments(toYaml([deployment as never, role as never])).map((d) => d.toJS())).toEqual([deployment, role]);
  });

  it("reads and writes YAML as kubectl does (1.1: an unquoted off is a boolean, a quoted one a string)", () => {
    write("overlay/config.yaml", 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { quoted: "off", bare: off }\n');
    write("overlay/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [config.yaml]\n");
    const objects = renderKustomization(path.join(dir, "overlay"));
    expect(objects[0]!.data).toEqual({ quoted: "off", bare: false });
    expect(toYaml([{ ...objects[0]!, data: { quoted: "off" } }])).toContain('quoted: "off"');
  });

  it("splits image references the way kustomize matches them", () => {
    expect(splitImage("registry.local:5000/team/web:1.0")).toEqual({ name: "registry.local:5000/team/web", rest: ":1.0" });
    expect(splitImage("registry.local:5000/web")).toEqual({ name: "registry.local:5000/web", rest: "" });
    expect(splitImage(`web@sha256:${"b".repeat(64)}`)).toEqual({ name: "web", rest: `@sha256:${"b".repeat(64)}` });
    expect(splitImage(`web:2@sha256:${"b".repeat(64)}`)).toEqual({ name: "web", rest: `:2@sha256:${"b".repeat(64)}` });
  });

  const refusals: [string, () => void, RegExp][] = [
    ["an unsupported field", () => (base(), overlay("commonLabels: { a: b }\n")), /unsupported field\(s\) commonLabels/],
    ["a strategic-merge patch", () => (base(), overlay("patches:\n  - target: { kind: Deployment, name: web }\n    patch: |\n      spec: { replicas: 3 }\n")), /only JSON 6902 patches/],
    ["a patch that matches nothing", () => (base(), overlay("patches:\n  - target: { kind: Deployment, name: api }\n    patch: '[]'\n")), /no Deployment named api/],
    ["a patch path that does not exist", () => (base(), overlay("patches:\n  - target: { kind: Deployment, name: web }\n    patch: '[{op: replace, path: /spec/paused, value: true}]'\n")), /\/spec\/paused does not exist/],
    ["replicas for no workload", () => (base(), overlay("replicas: [{ name: api, count: 2 }]\n")), /no Deployment, StatefulSet or ReplicaSet named api/],
    ["an image no container uses", () => (base(), overlay("images: [{ name: api, newTag: '2' }]\n")), /no container uses the image api/],
    ["a malformed digest", () => (base(), overlay("images: [{ name: registry.local:5000/team/web, digest: sha256:abc }]\n")), /digest must be sha256/],
    ["labels on selectors", () => (base(), overlay("labels: [{ pairs: { a: b }, includeSelectors: true }]\n")), /includeSelectors is not supported/],
    [
      "a remote resource",
      () => write("overlay/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [https://example.com/x.yaml]\n"),
      /remote resource https:\/\/example.com\/x.yaml is not supported/,
    ],
    ["a file outside the directory", () => (base(), write("overlay/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base/objects.yaml]\n")), /outside/],
    [
      "the same object twice",
      () => (base(), write("overlay/copy.yaml", DEPLOYMENT), write("overlay/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base, copy.yaml]\n")),
      /Deployment web is defined twice/,
    ],
    ["a missing kustomization", () => write("overlay/README", "x"), /no kustomization.yaml/],
  ];

  it.each(refusals)("refuses %s", (_name, setUp, message) => {
    setUp();
    expect(() => renderKustomization(path.join(dir, "overlay"))).toThrow(KustomizeError);
    expect(() => renderKustomization(path.join(dir, "overlay"))).toThrow(message);
  });
});
