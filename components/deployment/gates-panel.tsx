"use client";

import type { GateStatus } from "@/db/schema/enums";
import { Badge, type Tone } from "@/components/ui/badge";
import { Panel } from "@/components/ui/layout";
import type { DeploymentDto } from "./deployment-live";

const TONE: Record<GateStatus, Tone> = { pass: "green", fail: "red", pending: "amber", waived: "violet" };
const LABEL: Record<string, string> = { tests: "Tests", soak: "Soak", window: "Deploy window", freeze: "Freeze", approvals: "Approvals", incident: "Incidents", checklist: "Checklist" };

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
              {g.unverified ? (
                <Badge tone="amber">pass · unverified</Badge>
              ) : (
                <Badge tone={TONE[g.status]}>{g.status}</Badge>
              )}
              <span className={g.status === "pass" ? "text-zinc-600" : "text-zinc-900"}>{g.reason}</span>
            </li>
          ))}
        </ul>
      )}
      {controls && waiting && <div className="border-t border-zinc-200 bg-zinc-50 px-4 py-3">{controls}</div>}
    </Panel>
  );
}
