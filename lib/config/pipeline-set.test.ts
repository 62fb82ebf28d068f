import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadPipelineSet, pipelineFiles } from "./pipeline-set";

const pipeline = (name: string, apps: string[], envs: string[]) => ["version: 1", `pipeline: { name: ${name} }`, "apps:", ...apps.map((a) => `  - name: ${a}`), "environments:", ...envs.map((e) => `  - name: ${e}`), ""].join("\n");

describe("loading a directory of pipelines", () => {
  const dirs: string[] = [];
  const dirWith = (files: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-pipelines-"));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("loads every *.yaml (and *.yml) in name order, ignoring other files", async () => {
    const dir = dirWith({ "b.yaml": pipeline("tool", ["wiki"], ["dev", "prod"]), "a.yml": pipeline("shop", ["portal"], ["dev", "prod"]), "notes.txt": "x", ".hidden.yaml": "broken: [" });
    expect((await pipelineFiles(dir)).map((f) => path.basename(f))).toEqual(["a.yml", "b.yaml"]);
    const result = await loadPipelineSet({ dir });
    expect(result.ok && result.pipelines.map((p) => p.config.pipeline.name)).toEqual(["shop", "tool"]);
  });

  it("the same environment names in two pipelines are fine when they share no app", async () => {
    const dir = dirWith({ "shop.yaml": pipeline("shop", ["portal"], ["dev", "prod"]), "tool.yaml": pipeline("tool", ["wiki"], ["dev", "prod"]) });
    expect((await loadPipelineSet({ dir })).ok).toBe(true);
  });

  it("falls back to the single file when the directory has no yaml, and says so when neither exists", async () => {
    const dir = dirWith({});
    const file = path.join(dirWith({ "slipway.yaml": pipeline("shop", ["portal"], ["dev"]) }), "slipway.yaml");
    const result = await loadPipelineSet({ dir, fallbackFile: file });
    expect(result).toMatchObject({ ok: true, from: file });
    expect(result.ok && result.pipelines[0]!.config.pipeline.name).toBe("shop");
    expect(await loadPipelineSet({ dir: path.join(dir, "missing") })).toEqual({ ok: false, message: expect.stringContaining("holds no *.yaml file") });
    // SLIPWAY_CONFIG alone: only that file, whatever the directory holds.
    expect(await loadPipelineSet({ dir: null, fallbackFile: file })).toMatchObject({ ok: true, pipelines: [{ source: file }] });
  });

  it("refuses two files declaring the same pipeline, naming both files", async () => {
    const dir = dirWith({ "one.yaml": pipeline("shop", ["portal"], ["dev"]), "two.yaml": pipeline("shop", ["admin"], ["qa"]) });
    const result = await loadPipelineSet({ dir });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toBe(`${path.join(dir, "one.yaml")} and ${path.join(dir, "two.yaml")} both declare the pipeline "shop": a pipeline name may be used once; rename one of them.`);
  });

  it("refuses two pipelines that would share an address (same environment and app on one platform), naming both", async () => {
    const dir = dirWith({ "shop.yaml": pipeline("shop", ["portal", "api"], ["dev", "prod"]), "tool.yaml": pipeline("tool", ["api"], ["qa", "prod"]) });
    const result = await loadPipelineSet({ dir });
    expect(!result.ok && result.message).toContain(`${path.join(dir, "shop.yaml")} (pipeline "shop") and ${path.join(dir, "tool.yaml")} (pipeline "tool") would share an address`);
    expect(!result.ok && result.message).toContain('both run app "api" in environment "prod" on the local platform');
  });

  it("lists every file's problems at once, with the file and line", async () => {
    const dir = dirWith({ "a.yaml": pipeline("shop", ["portal"], ["dev"]).replace("name: dev", "name: Dev"), "b.yaml": "version: 2\n" });
    const result = await loadPipelineSet({ dir });
    expect(!result.ok && result.message).toMatch(/a\.yaml is not valid \(1 problem\):\n {2}- line \d+, environments\[0\]\.name/);
    expect(!result.ok && result.message).toMatch(/b\.yaml is not valid/);
  });
});
