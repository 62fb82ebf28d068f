import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "./openapi";

const API_ROOT = path.join(process.cwd(), "app/api/v1");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Every route file under app/api/v1 with the HTTP methods it exports, as OpenAPI paths. */
function routes(dir = API_ROOT): { path: string; methods: string[] }[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routes(full);
    if (entry.name !== "route.ts") return [];
    const source = fs.readFileSync(full, "utf8");
    // A handler of its own, or the same handler as another route re-exported (the per-pipeline routes).
    const reexported =
      /export \{([^}]*)\} from/
        .exec(source)?.[1]
        ?.split(",")
        .map((name) => name.trim()) ?? [];
    const methods = METHODS.filter((m) => new RegExp(`export (const|async function) ${m}\\b`).test(source) || reexported.includes(m)).map((m) => m.toLowerCase());
    const route =
      "/" +
      path
        .relative(API_ROOT, dir)
        .split(path.sep)
        .map((s) => s.replace(/^\[(\w+)\]$/, "{$1}"))
        .join("/");
    return [{ path: route, methods }];
  });
}

describe("the OpenAPI document", () => {
  const document = buildOpenApiDocument();
  // The catch-all answers unknown paths with a JSON 404; the document describes itself.
  const documented = routes().filter((r) => !r.path.includes("[...") && r.path !== "/openapi.json");

  it("documents every route and method the API serves", () => {
    expect(documented.length).toBeGreaterThan(20);
    const missing = documented.flatMap((r) => r.methods.filter((m) => !(document.paths?.[r.path] as Record<string, unknown> | undefined)?.[m]).map((m) => `${m.toUpperCase()} ${r.path}`));
    expect(missing).toEqual([]);
  });

  it("documents nothing the API does not serve", () => {
    const served = new Set(documented.flatMap((r) => r.methods.map((m) => `${m} ${r.path}`)));
    const extra = Object.entries(document.paths ?? {}).flatMap(([p, item]) =>
      METHODS.map((m) => m.toLowerCase())
        .filter((m) => (item as Record<string, unknown>)[m] && !served.has(`${m} ${p}`))
        .map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(extra.filter((e) => e !== "GET /openapi.json")).toEqual([]);
  });

  it("names the pipeline once on a pipeline's paths: in the path, not again as a query filter", () => {
    const parameters = (p: string) => ((document.paths?.[p] as { get?: { parameters?: { name: string; in: string }[] } } | undefined)?.get?.parameters ?? []).map((x) => `${x.in}:${x.name}`);
    expect(parameters("/deployments")).toContain("query:pipeline");
    const scoped = Object.keys(document.paths ?? {}).filter((p) => p.startsWith("/pipelines/{pipeline}/") && (document.paths?.[p] as { get?: unknown }).get);
    expect(scoped).toContain("/pipelines/{pipeline}/deployments");
    for (const p of scoped)
      expect(
        parameters(p).filter((x) => x.endsWith(":pipeline")),
        p,
      ).toEqual(["path:pipeline"]);
  });
});
