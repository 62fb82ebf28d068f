import { z } from "zod";
import { pipelineConfigSchema } from "./schema";

export const CONFIG_JSON_SCHEMA_PATH = "public/slipway.schema.json";

/**
 * The JSON Schema of slipway.yaml (draft 2020-12), for editors: completion, hover help and
 * inline errors via `# yaml-language-server: $schema=./public/slipway.schema.json`.
 * It describes what a person writes (the input side: durations are strings, defaults are shown).
 * Cross-field rules (unique names, references) are only checked by Slipway itself.
 */
export function buildConfigJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(pipelineConfigSchema, { target: "draft-2020-12", io: "input" }) as Record<string, unknown>;
}

export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(buildConfigJsonSchema(), null, 2)}\n`;
}
