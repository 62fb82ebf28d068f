/**
 * Builds issue 13's scale data set on PostgreSQL (see dataset.ts): 50 pipelines, 2,000 apps (one
 * pipeline of 600 apps × 8 environments), 200 review environments, 1,000,000 deployments over two
 * years with steps and gate results, 5,000,000 audit events with a valid hash chain. Prints how
 * long each phase took, and writes every pipeline's slipway.yaml to <out>/pipelines/.
 *
 *   npx tsx scripts/bench/build-dataset.ts [postgres://…/slipway_bench] [--scale 0.01] [--force]
 *        [--review-cells one|full] [--teams 4] [--out .data/bench]
 *
 * --review-cells one (default): review environments as Slipway makes them by default, partial
 * (clone: changed), each changing one app; full: full clones holding every app of their pipeline.
 *
 * The URL comes from the argument, else BENCH_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/slipway_bench. The database is created when missing; one that
 * already holds data is refused unless --force (which drops its schema).
 */
import { parseArgs } from "node:util";
import { buildDataset, DatabaseNotEmptyError, ensureDatabase } from "./dataset";

export const DEFAULT_BENCH_URL = "postgres://postgres@127.0.0.1:5432/slipway_bench";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    scale: { type: "string", default: "1" },
    force: { type: "boolean", default: false },
    "review-cells": { type: "string", default: "one" },
    teams: { type: "string", default: "4" },
    out: { type: "string", default: ".data/bench" },
  },
});

async function main(): Promise<number> {
  const url = positionals[0] ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL;
  const scale = Number(values.scale);
  const reviewCells = values["review-cells"];
  if (reviewCells !== "full" && reviewCells !== "one") {
    console.error(`--review-cells must be "full" or "one", got "${reviewCells}"`);
    return 2;
  }
  const teams = Number(values.teams);
  if (!Number.isInteger(teams) || teams < 1) {
    console.error(`--teams must be a whole number ≥ 1, got "${values.teams}"`);
    return 2;
  }
  const started = performance.now();
  console.log(`Building the scale data set (scale ${scale}) in ${new URL(url).pathname.slice(1)} on ${new URL(url).host}…`);
  await ensureDatabase(url);
  try {
    const result = await buildDataset(url, { scale, reviewCells, teams, force: values.force, outDir: values.out! });
    console.log(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s. Big pipeline: ${result.bigPipeline}; pipeline files in ${result.pipelinesDir}.`);
    return 0;
  } catch (error) {
    if (error instanceof DatabaseNotEmptyError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main();
