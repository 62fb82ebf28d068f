import type { z } from "zod";
import { describeValue } from "./primitives";

/** One thing wrong with slipway.yaml, located as precisely as we can. */
export interface ConfigProblem {
  /** Where in the document, e.g. "environments[2].gates.approvals.rules[0].role"; "" for the root or the file. */
  path: string;
  /** 1-based line and column in the file, when known. */
  line?: number;
  column?: number;
  message: string;
}

export type IssuePath = (string | number)[];

/** A problem before it has a line: the document path it is about. */
export interface LocatableProblem {
  path: IssuePath;
  /** Set when the problem is a key of the mapping at `path` (unknown or misspelt): locate that key. */
  key?: string;
  message: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** ["environments", 2, "gates"] → "environments[2].gates". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (typeof part === "string" && IDENTIFIER.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

export function formatConfigProblems(fileLabel: string, problems: ConfigProblem[]): string {
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
  const lines = problems.map((problem) => {
    const where = [problem.line !== undefined ? `line ${problem.line}` : "", problem.path].filter(Boolean).join(", ");
    return `  - ${where ? `${where}: ` : ""}${problem.message}`;
  });
  return [`${fileLabel} is not valid (${count}):`, ...lines].join("\n");
}

const EXPECTED_TYPES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
  record: "a mapping",
};

const plural = (count: number | bigint, noun: string) => `${count} ${noun}${Number(count) === 1 ? "" : "s"}`;

/**
 * Messages for zod's generic issues, written for a person editing YAML. Field-specific messages
 * (durations, names, time zones…) are set on the schema itself and take precedence.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  const got = `got ${describeValue(issue.input)}`;
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) {
        const key = issue.path?.at(-1);
        return typeof key === "string" ? `missing required key "${key}"` : "missing value";
      }
      return `expected ${EXPECTED_TYPES[issue.expected] ?? issue.expected}; ${got}`;
    }
    case "invalid_value": {
      const values = issue.values.map((value) => (typeof value === "string" ? value : String(value)));
      return values.length === 1 ? `expected ${values[0]}; ${got}` : `expected one of ${values.join(", ")}; ${got}`;
    }
    case "too_small": {
      const min = issue.minimum;
      if (issue.origin === "array" || issue.origin === "set") return `expected at least ${plural(min, "item")}`;
      if (issue.origin === "string") return Number(min) === 1 ? "expected a non-empty string" : `expected at least ${plural(min, "character")}`;
      return `expected a number ${issue.inclusive ? "≥" : ">"} ${min}; ${got}`;
    }
    case "too_big": {
      const max = issue.maximum;
      if (issue.origin === "array" || issue.origin === "set") return `expected at most ${plural(max, "item")}`;
      if (issue.origin === "string") return `expected at most ${plural(max, "character")}`;
      return `expected a number ${issue.inclusive ? "≤" : "<"} ${max}; ${got}`;
    }
    case "not_multiple_of":
      return `expected a multiple of ${issue.divisor}; ${got}`;
    case "unrecognized_keys": {
      const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
      const keys = issue.keys.map((key) => `"${key}"`).join(", ");
      const allowed = shape ? ` (expected one of ${Object.keys(shape).join(", ")})` : "";
      return `unknown key${issue.keys.length === 1 ? "" : "s"} ${keys}${allowed}`;
    }
    case "invalid_union":
      return `does not match any allowed form; ${got}`;
    case "invalid_format":
      return `expected ${issue.format}; ${got}`;
    default:
      return undefined;
  }
};

/**
 * Flattens zod issues into one problem each, resolving unions to the branch the author most
 * likely meant and splitting unknown keys so each points at its own line.
 */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], base: IssuePath = []): LocatableProblem[] {
  return issues.flatMap((issue) => issueToProblems(issue, base));
}

function issueToProblems(issue: z.core.$ZodIssue, base: IssuePath): LocatableProblem[] {
  const path: IssuePath = [...base, ...issue.path.map((part) => (typeof part === "number" ? part : String(part)))];
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    // The branch with the fewest issues is the shape the author meant (e.g. a recurring freeze
    // with a bad duration, rather than a one-off freeze missing start and end).
    const best = [...issue.errors].sort((a, b) => a.length - b.length)[0];
    if (best && best.length > 0) return issuesToProblems(best, path);
  }
  if (issue.code === "unrecognized_keys") {
    const allowed = / \(expected one of [^)]*\)$/.exec(issue.message)?.[0] ?? "";
    return issue.keys.map((key) => ({ path, key, message: `unknown key "${key}"${allowed}` }));
  }
  const last = path.at(-1);
  if (issue.code === "custom" && (issue.params as { at?: string } | undefined)?.at === "key" && typeof last === "string") {
    return [{ path: path.slice(0, -1), key: last, message: issue.message }];
  }
  return [{ path, message: issue.message }];
}
