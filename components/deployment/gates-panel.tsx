"use client";

import type { GateStatus } from "@/db/schema/enums";
import { Badge, type Tone } from "@/components/ui/badge";
import { Panel } from "@/components/ui/layout";
import type { DeploymentDto } from "./deployment-live";
import { VerificationList, type VerificationItem } from "@/components/verification/verification-list";

const TONE: Record<GateStatus, Tone> = { pass: "green", fail: "red", pending: "amber", waived: "violet" };
const LABEL: Record<string, string> = { tests: "Tests", soak: "Soak", verified: "Verified", window: "Deploy window", freeze: "Freeze", approvals: "Approvals", incident: "Incidents", checklist: "Checklist" };

type RiskEntry = { role?: string; item?: string; applies: boolean; files: string[]; labels: string[]; unknown: string[] };

/** What a gate's stored detail adds for people: the files that made a release risky, each verification with its link. */
function GateDetail({ gate, detail }: { gate: string; detail: Record<string, unknown> | null }) {
  if (!detail) return null;
  if (gate === "verified" && Array.isArray(detail.verifications)) {
    return <VerificationList items={detail.verifications as VerificationItem[]} label={`Verifications in ${String(detail.environment ?? "the previous environment")}`} />;
  }
  const risk = (Array.isArray(detail.risk) ? (detail.risk as RiskEntry[]) : []).filter((r) => r.applies);
  const files = [...new Set(risk.flatMap((r) => r.files))];
  const unknown = [...new Set(risk.flatMap((r) => r.unknown))];
  const labels = [...new Set(risk.flatMap((r) => r.labels))];
  if (!files.length && !unknown.length && !labels.length) return null;
  return (
    <div className="text-xs text-zinc-600" aria-label="Risky changes">
      {files.length > 0 && (
        <ul className="list-inside list-disc font-mono" aria-label="Risky files">
          {files.slice(0, 20).map((f) => (
            <li key={f}>{f}</li>
          ))}
          {files.length > 20 && <li>and {files.length - 20} more</li>}
        </ul>
      )}
      {labels.length > 0 && <p>Labels: {labels.join(", ")}</p>}
      {unknown.length > 0 && <p>Changes unknown (counted as risky): {unknown.join("; ")}</p>}
    </div>
  );
}

/**
 * Every gate of the deployment with its status and, for what is not met, what would satisfy it:
 * "why can't this ship?". The controls to satisfy them (approve, tick, override) come below.
 */
export function GatesPanel({ deployment, controls }: { deployment: DeploymentDto; controls?: React.ReactNode }) {
  const gates = deployment.gates ?? [];
  const waiting = deployment.state === "waiting" || deployment.state === "queued";
  if (!gates.length && !waiting) return null;
  const unmet = gates.filter((g) => g.status !== "pass" && g.status !== "waived");
  return (
    <Panel title={waiting && unmet.length ? "Why can't this ship yet?" : "Gates"}>
      {gates.length === 0 ? (
        <p className="px-4 py-3 text-zinc-600">No gates guard this kind of deployment.</p>
      ) : (
        <ul aria-label="Gates">
          {gates.map((g) => (
            <li key={g.gate} className="flex items-start gap-3 border-b border-zinc-100 px-4 py-2 last:border-0" data-gate={g.gate} data-status={g.status} data-unverified={g.unverified ? "true" : undefined}>
              <span className="w-28 shrink-0 font-medium">{LABEL[g.gate] ?? g.gate}</span>
              {g.unverified ? <Badge tone="amber">pass · unverified</Badge> : <Badge tone={TONE[g.status]}>{g.status}</Badge>}
              <div className="flex min-w-0 flex-col gap-1">
                <span className={g.status === "pass" ? "text-zinc-600" : "text-zinc-900"}>{g.reason}</span>
                <GateDetail gate={g.gate} detail={g.detail ?? null} />
              </div>
            </li>
          ))}
        </ul>
      )}
      {controls && waiting && <div className="border-t border-zinc-200 bg-zinc-50 px-4 py-3">{controls}</div>}
    </Panel>
  );
}
