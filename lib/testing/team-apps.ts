import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { packDirectory } from "@/lib/platform/local/pack";

/**
 * Apps none of us wrote, packed the way a team's CI would: a directory with a Procfile, as a
 * gzipped tarball. Used by the end-to-end evidence (vitest and Playwright).
 */

export interface TeamArtifact {
  /** file:// URL of the tarball: what the build's `artifact` names. */
  url: string;
  digest: string;
  path: string;
}

/** The package directory and every package nested under its node_modules (scoped ones included). */
function packageDirs(dir: string): string[] {
  const nested = path.join(dir, "node_modules");
  if (!fs.existsSync(nested)) return [dir];
  const names = fs.readdirSync(nested).flatMap((entry) => (entry.startsWith("@") ? fs.readdirSync(path.join(nested, entry)).map((sub) => `${entry}/${sub}`) : entry.startsWith(".") ? [] : [entry]));
  return [dir, ...names.flatMap((name) => packageDirs(path.join(nested, name)))];
}

/** Where Node would find `dependency` from a package at `dir` (its own, then each parent's node_modules, up to `top`). */
function resolveFrom(dir: string, dependency: string, top: string): string | null {
  for (let at = dir; ; at = path.dirname(at)) {
    const candidate = path.join(at, "node_modules", dependency);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    if (at === top || at === path.dirname(at)) return null;
  }
}

/**
 * Copies an installed npm package and everything it depends on into `target/node_modules`, as
 * Node resolves them: nested copies come with their parent, and whatever any package in the copied
 * tree (nested ones too) finds hoisted at the top is copied in its own turn.
 */
function copyPackageClosure(name: string, from: string, target: string): void {
  const top = path.join(from, "node_modules");
  const queue = [name];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const pkg = queue.shift()!;
    if (seen.has(pkg)) continue;
    seen.add(pkg);
    const source = path.join(top, pkg);
    if (!fs.existsSync(path.join(source, "package.json"))) throw new Error(`${pkg} is not installed under ${from}/node_modules (npm install first)`);
    fs.cpSync(source, path.join(target, "node_modules", pkg), { recursive: true, dereference: true });
    for (const dir of packageDirs(source)) {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
      for (const dependency of Object.keys(manifest.dependencies ?? {})) {
        if (resolveFrom(dir, dependency, from) === path.join(top, dependency)) queue.push(dependency);
      }
    }
  }
}

function buildDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `slipway-${prefix}-`));
}

function pack(dir: string, target: string): TeamArtifact {
  try {
    const packed = packDirectory(target, dir);
    return { url: pathToFileURL(packed.path).href, digest: packed.digest, path: packed.path };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The npm registry's `http-server` (installed in this repository's node_modules), its
 * dependencies, a `public/` site whose pages say `text`, and a Procfile. Health: `GET /` (200).
 */
export function httpServerApp(targetDir: string, name: string, text: string): TeamArtifact {
  const dir = buildDir("http-server-app");
  copyPackageClosure("http-server", process.cwd(), dir);
  fs.mkdirSync(path.join(dir, "public"));
  fs.writeFileSync(path.join(dir, "public", "index.html"), `<!doctype html><title>${text}</title><h1>${text}</h1>\n`);
  fs.writeFileSync(path.join(dir, "public", "health"), "ok\n");
  fs.writeFileSync(path.join(dir, "Procfile"), "web: node node_modules/http-server/bin/http-server public -a 127.0.0.1 -p $PORT -c-1\n");
  return pack(dir, path.join(targetDir, `${name}.tar.gz`));
}

/**
 * `python3 -m http.server` serving a directory with a `health` file and a page saying `text`, plus
 * a worker that logs a line and waits. Health: `GET /health` (200).
 */
export function pythonApp(targetDir: string, name: string, text: string): TeamArtifact {
  const dir = buildDir("python-app");
  fs.writeFileSync(path.join(dir, "index.html"), `<!doctype html><title>${text}</title><h1>${text}</h1>\n`);
  fs.writeFileSync(path.join(dir, "health"), "ok\n");
  fs.writeFileSync(path.join(dir, "worker.py"), 'import os, time\nprint("worker", os.environ["SLIPWAY_INSTANCE"], "up", flush=True)\nwhile True:\n    time.sleep(60)\n');
  fs.writeFileSync(path.join(dir, "Procfile"), ["web: python3 -m http.server $PORT --bind 127.0.0.1", "worker: python3 -u worker.py", "release: python3 -c 'print(\"nothing to migrate\")'", ""].join("\n"));
  return pack(dir, path.join(targetDir, `${name}.tar.gz`));
}

/** The team's pipeline: two apps of their own through the fixed chain, gates as a team would set them. */
export const TEAM_PIPELINE = `version: 1
pipeline:
  name: team
apps:
  - name: site
    healthPath: /
  - name: docs
    healthPath: /health
environments:
  - name: dev
    branch: main
    strategy: rolling
  - name: qa
    gates:
      tests: true
  - name: uat
    gates:
      tests: true
      checklist: ["verified by QA"]
  - name: staging
    strategy: rolling
    gates:
      tests: true
      approvals:
        rules: [{ role: delivery-lead, count: 1 }]
    smoke:
      - { name: site home, app: site, path: /, expectBody: "site" }
  - name: prod
    strategy: blue-green
    instances: 2
    apps:
      docs: { workers: { worker: 1 } }
    gates:
      tests: true
      approvals:
        rules:
          - { role: tech-lead, count: 1 }
          - { role: pm, count: 1 }
    smoke:
      - { name: site home, app: site, path: /, expectBody: "site" }
`;
