import type { VerifiedGate } from "@/lib/config/verification-schema";
import { formatList, formatSpan } from "./format";
import { outcome, type GateOutcome } from "./types";

/** One verification of the release in the previous environment (the newest per name). */
export interface VerificationFact {
  name: string;
  status: "pending" | "running" | "passed" | "failed";
  url: string | null;
  summary: string | null;
  source: "ci" | "job";
  at: Date;
}

export interface VerifiedFacts {
  /** The environment before the target in the chain, or null when there is none. */
  previousEnvironment: string | null;
  /** When the release became current there (its deployment finished), or null when it never did. */
  since: Date | null;
  verifications: readonly VerificationFact[];
}

/**
 * The `verified` gate: each named verification must have passed for this release in the previous
 * environment. A failed one fails the gate at once; missing or unfinished ones keep it pending
 * until `timeout` after the release became current there, then it fails. Never seen there: fails.
 */
export function evaluateVerified(config: VerifiedGate, facts: VerifiedFacts, now: Date): GateOutcome {
  const names = config.names;
  const label = formatList(names);
  const shown = (v: VerificationFact) => ({ name: v.name, status: v.status, url: v.url, summary: v.summary, source: v.source, at: v.at.toISOString() });
  const latest = new Map<string, VerificationFact>();
  for (const v of facts.verifications) {
    const seen = latest.get(v.name);
    if (names.includes(v.name) && (!seen || v.at > seen.at)) latest.set(v.name, v);
  }
  const detail = {
    environment: facts.previousEnvironment,
    required: names,
    timeoutMs: config.timeout,
    verifications: names.map((name) => {
      const v = latest.get(name);
      return v ? shown(v) : { name, status: "missing" as const, url: null, summary: null, source: null, at: null };
    }),
  };
  if (!facts.previousEnvironment) return outcome("verified", "fail", `${label} cannot be verified: there is no environment before this one`, { detail });
  const where = facts.previousEnvironment;
  if (!facts.since) return outcome("verified", "fail", `the release has not become current in ${where}, so it has no ${label} result there`, { detail });

  const failed = names.flatMap((n) => (latest.get(n)?.status === "failed" ? [latest.get(n)!] : []));
  if (failed.length) {
    const text = failed.map((v) => `${v.name} failed in ${where}${v.summary?.trim() ? `: ${v.summary.trim()}` : ""}${v.url ? ` (${v.url})` : ""}`);
    return outcome("verified", "fail", text.join("; "), { detail });
  }
  const open = names.filter((n) => latest.get(n)?.status !== "passed");
  if (open.length === 0) return outcome("verified", "pass", `${label} passed in ${where}`, { detail });

  const deadline = new Date(facts.since.getTime() + config.timeout);
  const what = open.map((n) => {
    const v = latest.get(n);
    return v ? `${n} (${v.status === "running" ? "running" : "not started yet"})` : `${n} (no result yet)`;
  });
  if (now >= deadline) {
    return outcome("verified", "fail", `no passing ${formatList(open)} result from ${where} within ${formatSpan(config.timeout)} of the release becoming current there: ${formatList(what)}`, { detail });
  }
  return outcome("verified", "pending", `waiting for ${formatList(what)} in ${where}: fails if not passed ${`within ${formatSpan(deadline.getTime() - now.getTime())}`}`, {
    detail: { ...detail, deadline: deadline.toISOString() },
    recheckAt: deadline,
  });
}
