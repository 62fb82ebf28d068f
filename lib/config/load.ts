import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { isMap } from "yaml";
import { type ConfigProblem, configErrorMap, issuesToProblems } from "./problems";
import { describeValue } from "./primitives";
import { type PipelineConfig, pipelineConfigSchema } from "./schema";
import { YamlSource } from "./yaml-source";

export type { ConfigProblem } from "./problems";
export { formatConfigProblems } from "./problems";

export type ConfigResult = { ok: true; config: PipelineConfig; /** sha256 hex of the file text */ hash: string } | { ok: false; problems: ConfigProblem[] };

const TOP_LEVEL_KEYS = "version, pipeline, apps and environments";

/**
 * Parses and validates the text of a slipway.yaml. Never throws for a bad file: every problem
 * found (YAML syntax first; if the YAML is sound, every schema problem at once) comes back with
 * its path and line.
 */
export function parsePipelineConfig(text: string): ConfigResult {
  const hash = createHash("sha256").update(text).digest("hex");
  const source = new YamlSource(text);

  const syntaxProblems = source.syntaxProblems();
  if (syntaxProblems.length > 0) return failure(syntaxProblems);

  let data: unknown;
  try {
    data = source.doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // toJS resolves aliases; an alias without an anchor is the one way it fails on a parsed document.
    return failure([{ path: "", ...source.unresolvedAliasPosition(), message: `invalid YAML: ${(error as Error).message}` }]);
  }
  // Nothing but comments, a bare "---", or an explicit null.
  if (data === null || data === undefined) {
    return failure([{ path: "", message: `the file is empty; expected a mapping with the keys ${TOP_LEVEL_KEYS}` }]);
  }
  if (!isMap(source.doc.contents)) {
    return failure([source.locate({ path: [], message: `expected a mapping with the keys ${TOP_LEVEL_KEYS} at the top level; got ${describeValue(data)}` })]);
  }

  const result = pipelineConfigSchema.safeParse(data, { error: configErrorMap, reportInput: true });
  if (result.success) return { ok: true, config: result.data, hash };
  return failure(issuesToProblems(result.error.issues).map((problem) => source.locate(problem)));
}

/** Reads and validates a slipway.yaml. A missing or unreadable file is a problem, not an exception. */
export async function loadPipelineConfig(filePath: string): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(filePath, "utf8");
  } catch (error) {
    const absolute = path.resolve(filePath);
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT"
        ? `${path.basename(filePath)} not found at ${absolute}; create it (start from the demo slipway.yaml; public/slipway.schema.json gives editors completion and help)`
        : code === "EISDIR"
          ? `${absolute} is a directory; expected the pipeline file (slipway.yaml)`
          : `cannot read ${absolute}: ${(error as Error).message}`;
    return failure([{ path: "", message }]);
  }
  return parsePipelineConfig(text);
}

/** Problems in file order, each reported once. */
function failure(problems: ConfigProblem[]): ConfigResult {
  const seen = new Set<string>();
  const unique = problems.filter((problem) => {
    const key = `${problem.line}:${problem.column}:${problem.path}:${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const order = (problem: ConfigProblem) => (problem.line ?? 0) * 100_000 + (problem.column ?? 0);
  return { ok: false, problems: unique.sort((a, b) => order(a) - order(b)) };
}
