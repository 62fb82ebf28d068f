/**
 * Prints EXPLAIN (ANALYZE, BUFFERS) of the history and audit list queries (measure-db.ts) on a data
 * set's database without starting a server: a quick check that they are index scans bounded by the
 * page after a schema change. Writes one thing: the benchmark's API token row (as measure.ts does).
 *
 *   npx tsx scripts/bench/explain.ts postgres://…/slipway_bench_mine [--out .data/bench]
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { benchFacts, explainQueries } from "./measure-db";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: "string", default: ".data/bench" } } });
const url = positionals[0] ?? process.env.BENCH_DATABASE_URL;
if (!url) {
  console.error("Name the data set's database: npx tsx scripts/bench/explain.ts postgres://…/slipway_bench_mine");
  process.exit(2);
}
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const facts = await benchFacts(client, values.out!);
  console.log(facts.summary);
  for (const { title, plan } of await explainQueries(client, facts)) console.log(`\n-- ${title}\n${plan}`);
} finally {
  await client.end();
}
