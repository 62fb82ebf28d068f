import { createHash } from "node:crypto";
import type { DeploymentKind } from "@/db/schema/enums";

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

/** A deterministic fake commit and digest, so demo data reads like real data. */
export const hex = (seed: string, length: number) => createHash("sha256").update(seed).digest("hex").slice(0, length);

export interface DemoRelease {
  key: string;
  branch: string;
  /** Days before now that CI produced it. */
  ageDays: number;
  versions: Record<string, string>;
}

// Six releases of develop over two weeks, and one feature branch under review.
export const RELEASES: DemoRelease[] = [
  { key: "r1", branch: "develop", ageDays: 13, versions: { portal: "1.0.0", admin: "2.3.0", "api-gateway": "0.9.0" } },
  { key: "r2", branch: "develop", ageDays: 10, versions: { portal: "1.1.0", admin: "2.3.1", "api-gateway": "0.9.1" } },
  { key: "r3", branch: "develop", ageDays: 8, versions: { portal: "1.2.0", admin: "2.4.0", "api-gateway": "0.10.0" } },
  { key: "r4", branch: "develop", ageDays: 5, versions: { portal: "1.2.1", admin: "2.4.0-1", "api-gateway": "0.10.1" } },
  { key: "r5", branch: "develop", ageDays: 2.5, versions: { portal: "1.3.0", admin: "2.5.0", "api-gateway": "0.11.0" } },
  { key: "r6", branch: "develop", ageDays: 0.4, versions: { portal: "1.4.0", admin: "2.5.1", "api-gateway": "0.11.1" } },
  { key: "rc", branch: "feature/checkout", ageDays: 0.2, versions: { portal: "1.4.0-checkout.1", admin: "2.5.1-checkout.1", "api-gateway": "0.11.1-checkout.1" } },
];

export interface DemoDeployment {
  release: string;
  env: string;
  /** Hours after the release was built (or after `anchor` was, when set). */
  afterHours: number;
  /** The release whose creation `afterHours` counts from, when not `release` (a rollback counts from what it undoes). */
  anchor?: string;
  by: string;
  kind?: DeploymentKind;
  reason?: string;
  /** It fails: api-gateway's health check answers this, and the previous release keeps serving. */
  failure?: string;
}

// The history a newcomer sees: promotions up the chain, one failed prod deploy and one rollback.
// Developers promote up to staging (a delivery lead approves there); the delivery lead promotes to
// prod (a tech lead and a PM approve); dev and qa take releases by themselves where slipway.yaml
// says so (autoPromote), else the developer promotes them.
export const HISTORY: DemoDeployment[] = [
  ...["dev", "qa", "uat", "staging", "prod"].map((env, i) => ({ release: "r1", env, afterHours: i * 20 + 1, by: i < 4 ? "developer" : "delivery-lead" })),
  ...["dev", "qa", "uat", "staging", "prod"].map((env, i) => ({ release: "r2", env, afterHours: i * 12 + 1, by: i < 4 ? "developer" : "delivery-lead" })),
  ...["dev", "qa", "uat", "staging"].map((env, i) => ({ release: "r3", env, afterHours: i * 10 + 1, by: "developer" })),
  { release: "r3", env: "prod", afterHours: 48, by: "delivery-lead" },
  // One hour after r3 reached prod: the rollback comes after what it undoes.
  { release: "r2", env: "prod", afterHours: 49, anchor: "r3", by: "tech-lead", kind: "rollback" as const, reason: "Checkout error rate rose to 4% after 1.2.0" },
  ...["dev", "qa", "uat", "staging"].map((env, i) => ({ release: "r4", env, afterHours: i * 8 + 1, by: "developer" })),
  { release: "r4", env: "prod", afterHours: 40, by: "delivery-lead", failure: "api-gateway did not become healthy within 5 minutes: /health answered 503" },
  // The retry is a new promotion of the same release (a redeploy puts out only what runs now).
  { release: "r4", env: "prod", afterHours: 44, by: "delivery-lead", reason: "Retry after fixing the gateway's connection pool setting" },
  ...["dev", "qa", "uat", "staging"].map((env, i) => ({ release: "r5", env, afterHours: i * 9 + 1, by: "developer" })),
  { release: "r6", env: "dev", afterHours: 0.5, by: "developer" },
  { release: "r6", env: "qa", afterHours: 2, by: "developer" },
];
