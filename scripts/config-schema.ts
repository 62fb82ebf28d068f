/**
 * Writes public/slipway.schema.json from the zod schema of slipway.yaml (`npm run config:schema`).
 * A unit test fails when the committed file differs from what this produces.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG_JSON_SCHEMA_PATH, renderConfigJsonSchema } from "../lib/config/json-schema";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const target = path.join(root, CONFIG_JSON_SCHEMA_PATH);
await writeFile(target, renderConfigJsonSchema());
console.log(`wrote ${path.relative(process.cwd(), target) || target}`);
