import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildConfigJsonSchema, CONFIG_JSON_SCHEMA_PATH, renderConfigJsonSchema } from "./json-schema";

const root = path.resolve(__dirname, "../..");

describe("public/slipway.schema.json", () => {
  it("is what the zod schema produces (run `npm run config:schema` after changing the schema)", async () => {
    const committed = await readFile(path.join(root, CONFIG_JSON_SCHEMA_PATH), "utf8");
    expect(JSON.parse(committed)).toEqual(buildConfigJsonSchema());
    expect(committed).toBe(renderConfigJsonSchema());
  });

  it("describes the input side for editors", () => {
    const schema = buildConfigJsonSchema() as {
      $schema: string;
      title: string;
      required: string[];
      additionalProperties: boolean;
      properties: { environments: { items: { properties: Record<string, { type?: string; pattern?: string; default?: unknown; description?: string }> } } };
    };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.title).toContain("slipway.yaml");
    expect(schema.required).toEqual(["version", "pipeline", "apps", "environments"]);
    expect(schema.additionalProperties).toBe(false);
    const env = schema.properties.environments.items.properties;
    // Durations are strings in the file (milliseconds only after parsing).
    expect(env.warmFor).toMatchObject({ type: "string", default: "30m" });
    expect(new RegExp(env.warmFor!.pattern!).test("1h30m")).toBe(true);
    expect(new RegExp(env.warmFor!.pattern!).test("soon")).toBe(false);
    expect(env.instances).toMatchObject({ type: "integer", default: 1 });
    expect(env.autoPromote!.description).toBeTruthy();
  });
});
