import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderPrometheusConfig } from "./prometheus-config";

describe("renderPrometheusConfig", () => {
  it("scrapes the targets file at the interval asked for", () => {
    const config = parse(renderPrometheusConfig({ targetsFile: "/srv/slipway/.data/prometheus/targets.json", scrapeInterval: "5s" }));
    expect(config).toEqual({
      global: { scrape_interval: "5s", evaluation_interval: "5s" },
      scrape_configs: [{ job_name: "slipway-apps", scrape_interval: "5s", scrape_timeout: "5s", metrics_path: "/metrics", file_sd_configs: [{ files: ["/srv/slipway/.data/prometheus/targets.json"], refresh_interval: "5s" }] }],
    });
  });

  it("refuses a relative targets path and an interval that is not a duration", () => {
    expect(() => renderPrometheusConfig({ targetsFile: ".data/prometheus/targets.json" })).toThrow(/must be an absolute path/);
    expect(() => renderPrometheusConfig({ targetsFile: "/t.json", scrapeInterval: "fast" })).toThrow(/scrapeInterval "fast" is not a duration/);
  });

  // promtool comes with Debian's prometheus package (CI installs it).
  it.skipIf(!fs.existsSync("/usr/bin/promtool"))("is a configuration Prometheus's own checker accepts", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-prometheus-config-"));
    try {
      const file = path.join(dir, "prometheus.yml");
      fs.writeFileSync(file, renderPrometheusConfig({ targetsFile: path.join(dir, "targets.json"), scrapeInterval: "1s" }));
      const check = spawnSync("/usr/bin/promtool", ["check", "config", file], { encoding: "utf8" });
      expect(check.status, check.stdout + check.stderr).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
