import { expect } from "vitest";
import { type ConfigProblem, parsePipelineConfig } from "./load";
import type { PipelineConfig } from "./schema";

/** A small valid pipeline that the tests below bend into invalid ones. */
export const MINIMAL = `version: 1
pipeline:
  name: shop
apps:
  - name: portal
  - name: admin
environments:
  - name: dev
  - name: prod
`;

/** Replaces `search` (which must occur) in `text`. */
export function edit(text: string, search: string, replacement: string): string {
  expect(text, `fixture should contain ${JSON.stringify(search)}`).toContain(search);
  return text.replace(search, replacement);
}

/** 1-based line of the `occurrence`-th line containing `needle`. */
export function lineOf(text: string, needle: string, occurrence = 1): number {
  let seen = 0;
  const lines = text.split("\n");
  for (const [index, line] of lines.entries()) {
    if (line.includes(needle) && ++seen === occurrence) return index + 1;
  }
  throw new Error(`${JSON.stringify(needle)} (occurrence ${occurrence}) not in fixture`);
}

export function problemsOf(text: string): ConfigProblem[] {
  const result = parsePipelineConfig(text);
  if (result.ok) throw new Error("expected the config to be invalid, but it parsed");
  return result.problems;
}

export function configOf(text: string): PipelineConfig {
  const result = parsePipelineConfig(text);
  if (!result.ok) throw new Error(`expected a valid config:\n${JSON.stringify(result.problems, null, 2)}`);
  return result.config;
}
