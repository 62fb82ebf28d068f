import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { parsePipelineConfig } from "@/lib/config/load";
import { objectProblems } from "@/lib/platform/kubernetes/validate-object";
import { renderKustomization, type KubeObject } from "./render";

// deploy/kubernetes/: every overlay renders, every object is valid against the official
// Kubernetes schemas (kubernetes-models, from the upstream OpenAPI document), and the invariants
// Slipway's own installation depends on hold in each of them.
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const overlays = fs.readdirSync(path.join(here, "overlays")).sort();
const SECRET_KEYS = ["DATABASE_URL", "SLIPWAY_MIGRATION_DATABASE_URL", "AUTH_SECRET", "SLIPWAY_SECRET_KEY", "SLIPWAY_OIDC_CLIENT_SECRET"];
/** The only ClusterRoleBindings allowed: listing Deployments (inventory), and namespaces for review environments. */
const CLUSTER_BINDINGS_ALLOWED = new Set(["slipway-inventory", "slipway-review-namespaces"]);

interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: unknown } }[];
  envFrom?: unknown[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: { name: string; emptyDir?: unknown; configMap?: { name: string } }[];
}
interface Workload extends KubeObject {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}
interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

function find<T extends KubeObject = KubeObject>(objects: KubeObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as T;
}

function container(objects: KubeObject[], name: string): Container {
  return find<Workload>(objects, "Deployment", name).spec.template.spec.containers[0]!;
}

function envValue(c: Container, name: string): string | undefined {
  return c.env?.find((e) => e.name === name)?.value;
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

it("finds the overlays", () => {
  expect(overlays).toEqual(["minimal", "production"]);
});

describe.each(overlays)("overlay %s", (overlay) => {
  const objects = renderKustomization(path.join(here, "overlays", overlay));

  it("renders only objects the official schemas accept", () => {
    expect(objects.length).toBeGreaterThan(8);
    const problems = objects.flatMap((o) => objectProblems(o).map((p) => `${o.kind}/${o.metadata.name}${p.path}: ${p.message}`));
    expect(problems).toEqual([]);
  });

  it("labels every object app.kubernetes.io/part-of: slipway, pod templates too", () => {
    expect(objects.filter((o) => o.metadata.labels?.["app.kubernetes.io/part-of"] !== "slipway").map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    for (const name of ["slipway-web", "slipway-controller"]) {
      expect(find<Workload>(objects, "Deployment", name).spec.template.metadata.labels["app.kubernetes.io/part-of"]).toBe("slipway");
    }
  });

  it("runs the web servers without the controller, on every interface, with probes on /api/v1/health", () => {
    const web = find<Workload>(objects, "Deployment", "slipway-web");
    const c = container(objects, "slipway-web");
    expect(envValue(c, "SLIPWAY_CONTROLLER")).toBe("off");
    expect(envValue(c, "HOST")).toBe("0.0.0.0");
    // What the image runs by itself (its CMD) and npm start run: the same V8 flags everywhere.
    expect(c.command).toEqual(["node", "--max-semi-space-size=32", "--import", "tsx", "scripts/start.ts"]);
    expect(JSON.parse(/^CMD (.*)$/m.exec(fs.readFileSync(path.join(root, "Dockerfile"), "utf8"))![1]!)).toEqual(c.command);
    // `exec`: npm runs the script through sh, which would not pass a SIGTERM on to node.
    expect(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts.start).toBe(`exec ${c.command!.join(" ")}`);
    expect(web.spec.replicas).toBeGreaterThanOrEqual(2);
    const port = c.ports!.find((p) => p.name === "http")!;
    expect(String(port.containerPort)).toBe(envValue(c, "PORT"));
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      expect(probe?.httpGet).toEqual({ path: "/api/v1/health", port: "http" });
    }
  });

  it("runs two controllers (one leads through the PostgreSQL lease, one waits), and never one inside a web server", () => {
    const controller = find<Workload>(objects, "Deployment", "slipway-controller");
    expect(controller.spec.replicas).toBe(2);
    const c = container(objects, "slipway-controller");
    expect(c.command).toEqual(["node_modules/.bin/tsx", "scripts/controller.ts"]);
    // scripts/controller.ts reads the controller from this image: no flag may turn it off here.
    expect(envValue(c, "SLIPWAY_CONTROLLER")).toBeUndefined();
    const pdb = find(objects, "PodDisruptionBudget", "slipway-controller") as KubeObject & { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } };
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(matches(pdb.spec.selector.matchLabels, controller.spec.template.metadata.labels)).toBe(true);
  });

  it("passes secrets only through secretKeyRef to the Secret `slipway`, and renders no Secret itself", () => {
    expect(objects.filter((o) => o.kind === "Secret")).toEqual([]);
    for (const name of ["slipway-web", "slipway-controller"]) {
      const c = container(objects, name);
      expect(c.envFrom).toBeUndefined();
      for (const e of c.env ?? []) {
        if (SECRET_KEYS.includes(e.name) || /SECRET|PASSWORD|TOKEN|DATABASE_URL/.test(e.name)) {
          expect(e.value, `${name} ${e.name}`).toBeUndefined();
          expect(e.valueFrom?.secretKeyRef, `${name} ${e.name}`).toEqual(expect.objectContaining({ name: "slipway", key: e.name }));
        }
      }
      for (const key of ["DATABASE_URL", "SLIPWAY_SECRET_KEY"]) expect(c.env?.some((e) => e.name === key)).toBe(true);
    }
    expect(container(objects, "slipway-web").env?.some((e) => e.name === "AUTH_SECRET")).toBe(true);
  });

  it("runs as non-root on a read-only root file system, with resource requests, writing only to emptyDirs", () => {
    for (const name of ["slipway-web", "slipway-controller"]) {
      const pod = find<Workload>(objects, "Deployment", name).spec.template.spec;
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(["cpu", "memory"]);
        expect(c.resources?.limits?.memory).toBeDefined();
        const writable = (c.volumeMounts ?? []).filter((m) => pod.volumes?.find((v) => v.name === m.name)?.emptyDir).map((m) => m.mountPath);
        expect(writable).toContain("/tmp");
        expect(writable).toContain(envValue(c, "SLIPWAY_DATA_DIR"));
      }
    }
  });

  it("serves the web pods through the Service, keeps them available through drains, and gives them no API token", () => {
    const web = find<Workload>(objects, "Deployment", "slipway-web");
    const service = find(objects, "Service", "slipway-web") as KubeObject & { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } };
    expect(matches(service.spec.selector, web.spec.template.metadata.labels)).toBe(true);
    expect(matches(service.spec.selector, find<Workload>(objects, "Deployment", "slipway-controller").spec.template.metadata.labels)).toBe(false);
    expect(service.spec.ports[0]!.targetPort).toBe("http");
    const pdb = find(objects, "PodDisruptionBudget", "slipway-web") as KubeObject & { spec: { selector: { matchLabels: Record<string, string> } } };
    expect(matches(pdb.spec.selector.matchLabels, web.spec.template.metadata.labels)).toBe(true);
    expect(web.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(find(objects, "ServiceAccount", web.spec.template.spec.serviceAccountName!).automountServiceAccountToken).toBe(false);
  });

  it("grants the controller no wildcard, and workload rights only per namespace", () => {
    const roles = objects.filter((o) => o.kind === "ClusterRole" || o.kind === "Role");
    for (const role of roles) {
      for (const rule of role.rules as Rule[]) {
        for (const field of [rule.apiGroups ?? [], rule.resources ?? [], rule.verbs, rule.resourceNames ?? []]) {
          expect(
            field.filter((v) => v.includes("*")),
            `${role.metadata.name}`,
          ).toEqual([]);
        }
        // Nothing that escalates beyond the rules written here.
        expect(rule.verbs.filter((v) => ["escalate", "impersonate"].includes(v))).toEqual([]);
        if (rule.verbs.includes("bind")) expect(rule.resourceNames).toEqual(["slipway-deployer"]);
      }
    }
    const deployer = find(objects, "ClusterRole", "slipway-deployer").rules as Rule[];
    const granted = (group: string, resource: string) => deployer.filter((r) => r.apiGroups?.includes(group) && r.resources?.includes(resource)).flatMap((r) => r.verbs);
    for (const [group, resource] of [
      ["apps", "deployments"],
      ["", "services"],
      ["", "configmaps"],
      ["", "secrets"],
      ["batch", "jobs"],
      ["networking.k8s.io", "ingresses"],
      ["gateway.networking.k8s.io", "httproutes"],
    ]) {
      expect(granted(group!, resource!), `${group}/${resource}`).toEqual(expect.arrayContaining(["get", "list", "patch", "delete"]));
    }
    expect(granted("", "pods").sort()).toEqual(["get", "list", "watch"]);
    expect(granted("", "pods/log")).toEqual(["get"]);
    expect(granted("", "pods/proxy")).toEqual(["get"]);
    // Only reading its own namespace (a RoleBinding's namespace); creating and deleting namespaces is review-environments/.
    expect(granted("", "namespaces")).toEqual(["get"]);

    expect(find(objects, "ClusterRole", "slipway-inventory").rules).toEqual([{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["list"] }]);
    expect(objects.some((o) => o.kind === "ClusterRoleBinding" && o.metadata.name === "slipway-review-namespaces")).toBe(overlay === "production");
    for (const binding of objects.filter((o) => o.kind === "ClusterRoleBinding")) {
      expect(CLUSTER_BINDINGS_ALLOWED.has((binding.roleRef as { name: string }).name), binding.metadata.name).toBe(true);
    }
    const roleBindings = objects.filter((o) => o.kind === "RoleBinding");
    expect(roleBindings.length).toBeGreaterThan(0);
    for (const binding of [...roleBindings, ...objects.filter((o) => o.kind === "ClusterRoleBinding")]) {
      if (binding.kind === "RoleBinding") {
        // Granted in the namespaces Slipway deploys into, never in its own (where its Secret is).
        expect(binding.metadata.namespace).not.toBe("slipway");
        expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "slipway-deployer" });
      }
      expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "slipway-controller", namespace: "slipway" }]);
    }
  });

  it("signs in through OIDC wherever an Ingress makes Slipway reachable (local mode lets anyone pick a user)", () => {
    const c = container(objects, "slipway-web");
    const reachable = objects.some((o) => o.kind === "Ingress");
    expect(reachable).toBe(overlay === "production");
    const configured = ["SLIPWAY_OIDC_ISSUER", "SLIPWAY_OIDC_CLIENT_ID", "SLIPWAY_OIDC_CLIENT_SECRET"].filter((n) => c.env?.some((e) => e.name === n));
    expect(configured).toEqual(reachable ? ["SLIPWAY_OIDC_ISSUER", "SLIPWAY_OIDC_CLIENT_ID", "SLIPWAY_OIDC_CLIENT_SECRET"] : []);
  });

  it("loads a valid pipeline file from the ConfigMap it mounts at SLIPWAY_CONFIG", () => {
    const c = container(objects, "slipway-web");
    const configPath = envValue(c, "SLIPWAY_CONFIG")!;
    const web = find<Workload>(objects, "Deployment", "slipway-web").spec.template.spec;
    const mount = c.volumeMounts!.find((m) => configPath.startsWith(`${m.mountPath}/`))!;
    const configMap = find(objects, "ConfigMap", web.volumes!.find((v) => v.name === mount.name)!.configMap!.name) as KubeObject & { data: Record<string, string> };
    const result = parsePipelineConfig(configMap.data[path.basename(configPath)]!);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it("sets only environment variables the README documents", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const names = ["slipway-web", "slipway-controller"].flatMap((name) => (container(objects, name).env ?? []).map((e) => e.name));
    expect(names.filter((n) => !readme.includes(`\`${n}\``))).toEqual([]);
  });
});

describe("the Secret template", () => {
  const [secret] = parseAllDocuments(fs.readFileSync(path.join(here, "secret.example.yaml"), "utf8")).map((d) => d.toJS() as KubeObject & { stringData: Record<string, string> });

  it("is a valid Secret named as the Deployments expect, with every key they read and no real value", () => {
    expect(objectProblems(secret)).toEqual([]);
    expect(secret!.metadata).toMatchObject({ name: "slipway", namespace: "slipway", labels: { "app.kubernetes.io/part-of": "slipway" } });
    expect(Object.keys(secret!.stringData).sort()).toEqual([...SECRET_KEYS].sort());
    for (const value of Object.values(secret!.stringData)) expect(value).toContain("CHANGE-ME");
  });

  it("is not applied by any kustomization, so applying the manifests never overwrites the real one", () => {
    for (const overlay of overlays) {
      expect(renderKustomization(path.join(here, "overlays", overlay)).some((o) => o.kind === "Secret")).toBe(false);
    }
  });
});

describe("the image", () => {
  const dockerfile = fs.readFileSync(path.join(root, "Dockerfile"), "utf8");

  it("runs as the user and from the directory the manifests assume", () => {
    const objects = renderKustomization(path.join(here, "overlays", "minimal"));
    const web = find<Workload>(objects, "Deployment", "slipway-web").spec.template.spec;
    expect(dockerfile).toMatch(new RegExp(`^USER ${web.securityContext!.runAsUser}$`, "m"));
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    // Next.js's cache is the one place under /app written at run time: an emptyDir there.
    expect(web.containers[0]!.volumeMounts!.map((m) => m.mountPath)).toContain("/app/.next/cache");
  });

  it("carries every file the build's source hash covers, so the server never rebuilds in the pod", () => {
    // lib/server/build-if-needed.ts rebuilds at start when these differ from the build's stamp,
    // which would fail on the read-only root file system: the runtime stage must copy them all.
    const source = fs.readFileSync(path.join(root, "lib/server/build-if-needed.ts"), "utf8");
    const list = (name: string) => [...source.match(new RegExp(`const ${name} = \\[([^\\]]*)\\]`))![1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    const copied = [...runtime.matchAll(/^COPY --from=build (.+)$/gm)].flatMap((m) => m[1]!.split(/\s+/).slice(0, -1)).map((p) => p.replace(/^\/app\//, ""));
    expect(list("SOURCE_DIRS").length).toBeGreaterThan(3);
    for (const entry of [...list("SOURCE_DIRS"), ...list("SOURCE_FILES"), "scripts", ".next"]) expect(copied, entry).toContain(entry);
    expect(dockerfile).toContain("m.buildIfNeeded(process.cwd(), console.log)");
    expect(source).toContain("export async function buildIfNeeded(root: string, log: (line: string) => void)");
    // The commands the Deployments run exist in what is copied.
    const objects = renderKustomization(path.join(here, "overlays", "minimal"));
    for (const name of ["slipway-web", "slipway-controller"]) {
      const script = container(objects, name).command!.find((part) => part.startsWith("scripts/"))!;
      expect(fs.existsSync(path.join(root, script)), script).toBe(true);
      expect(copied).toContain(script.split("/")[0]);
    }
  });

  it("leaves local state out of the build context", () => {
    const ignored = fs
      .readFileSync(path.join(root, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim());
    for (const entry of ["node_modules", ".data", ".next", ".git"]) expect(ignored).toContain(entry);
  });
});
