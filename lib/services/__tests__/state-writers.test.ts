import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/*
 * One write path per state machine: `deployments.state` is written only by
 * lib/services/deployment-transitions.ts and `environments.state` only by
 * lib/services/environment-transitions.ts (compare-and-set, the domain's table asserted). This
 * reads every source file (no type-checking, only the syntax tree) and fails with file:line for
 * any other `.update(deployments|environments).set(…)` that sets `state` — or whose `set`
 * argument it cannot see into (a variable, a top-level spread) — and for raw
 * `update deployments|environments … set` SQL.
 */

const ROOT = path.resolve(__dirname, "../../..");
// The application's code. scripts/ is left out: the benchmark resets its own data set with raw SQL
// through an admin connection (scripts/bench/measure.ts), outside any service.
const SCANNED = ["lib", "db", "app", "components"];
const WRITERS = new Set(["lib/services/deployment-transitions.ts", "lib/services/environment-transitions.ts"]);
const TABLES = new Set(["deployments", "environments", "schema.deployments", "schema.environments"]);
const RAW_UPDATE = /\bupdate\s+"?(deployments|environments)"?\s+(as\s+\w+\s+)?set\b/i;

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "migrations" || entry.name === "__tests__" ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** Why this `set(...)` argument may write `state`, or null when it visibly does not. */
function stateWrite(arg: ts.Expression | undefined): string | null {
  if (!arg || !ts.isObjectLiteralExpression(arg)) return "sets columns it cannot see (not an object literal)";
  for (const property of arg.properties) {
    if (ts.isSpreadAssignment(property)) return `spreads ${property.expression.getText()} (may carry state)`;
    if (property.name && property.name.getText().replace(/["']/g, "") === "state") return "sets state";
  }
  return null;
}

/** `file:line: what` for every state write outside the two transition functions. */
export function stateWritesIn(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: string[] = [];
  const at = (node: ts.Node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "set") {
      const target = node.expression.expression;
      if (ts.isCallExpression(target) && ts.isPropertyAccessExpression(target.expression) && target.expression.name.text === "update") {
        const table = target.arguments[0]?.getText(source);
        const why = table && TABLES.has(table) ? stateWrite(node.arguments[0]) : null;
        if (why) found.push(`${at(node)}: .update(${table}).set(…) ${why}`);
      }
    }
    if ((ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node) || ts.isStringLiteral(node)) && RAW_UPDATE.test(node.text)) {
      found.push(`${at(node)}: raw SQL updates ${RAW_UPDATE.exec(node.text)![1]}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("state columns have one writer each", () => {
  it("finds writes of state outside the transition functions (the check itself)", () => {
    const sample = [
      `await tx.update(deployments).set({ state: "cancelled", updatedAt: now }).where(eq(deployments.id, id));`,
      `await tx.update(environments).set(values).where(eq(environments.id, id));`,
      `await tx`,
      `  .update(schema.environments)`,
      `  .set({ ...extra, position: null });`,
      `await tx.update(deployments).set({ detail: { ...old, abort }, updatedAt: now });`,
      `await tx.update(deploymentSteps).set({ state: "running" });`,
      "await tx.execute(sql`update deployments set state = 'failed' where id = ${id}`);",
    ].join("\n");
    expect(stateWritesIn("sample.ts", sample)).toEqual([
      "sample.ts:1: .update(deployments).set(…) sets state",
      "sample.ts:2: .update(environments).set(…) sets columns it cannot see (not an object literal)",
      "sample.ts:3: .update(schema.environments).set(…) spreads extra (may carry state)",
      "sample.ts:8: raw SQL updates deployments",
    ]);
  });

  it("no code but transitionDeployment(s) and transitionEnvironment(s) writes deployments.state or environments.state", () => {
    const files = SCANNED.flatMap((dir) => sourceFiles(path.join(ROOT, dir))).map((full) => path.relative(ROOT, full).split(path.sep).join("/"));
    expect(files).toContain("lib/services/deployments.ts");
    expect(files).toContain("db/seed/demo-completion.ts");
    const writes = files.filter((file) => !WRITERS.has(file)).flatMap((file) => stateWritesIn(file, fs.readFileSync(path.join(ROOT, file), "utf8")));
    expect(writes).toEqual([]);
  });
});
