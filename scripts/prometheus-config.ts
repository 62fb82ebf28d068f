/**
 * Prints a prometheus.yml that scrapes every app Slipway runs, from the targets file the
 * controller keeps current (`<data dir>/prometheus/targets.json`):
 *
 *   npx tsx scripts/prometheus-config.ts [--targets PATH] [--scrape-interval 15s] > prometheus.yml
 *   prometheus --config.file=prometheus.yml --storage.tsdb.path=/tmp/slipway-prometheus
 *
 * --targets defaults to SLIPWAY_DATA_DIR (or .data)/prometheus/targets.json, made absolute.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { renderPrometheusConfig } from "@/lib/metrics/prometheus-config";
import { defaultScrapeTargetsFile } from "@/lib/metrics/scrape-targets";

const { values } = parseArgs({
  options: {
    targets: { type: "string" },
    "scrape-interval": { type: "string", default: "15s" },
    job: { type: "string", default: "slipway-apps" },
  },
});

try {
  const targetsFile = path.resolve(values.targets ?? defaultScrapeTargetsFile(path.resolve(process.env.SLIPWAY_DATA_DIR || ".data")));
  process.stdout.write(renderPrometheusConfig({ targetsFile, scrapeInterval: values["scrape-interval"]!, jobName: values.job! }));
} catch (error) {
  console.error(`prometheus-config: ${(error as Error).message}`);
  process.exit(2);
}
