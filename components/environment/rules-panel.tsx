import type { EnvironmentConfig } from "@/lib/config/schema";
import { formatDuration } from "@/lib/config/duration";
import { checklistItemName, type RiskCondition } from "@/lib/domain/gates";
import { effectiveStrategy } from "@/lib/domain/strategy";
import { Badge } from "@/components/ui/badge";
import { Recurrence } from "@/components/operations/recurrence";
import { Facts, Panel } from "@/components/ui/layout";

const none = <span className="text-zinc-400">none</span>;

/** "when the release changes **\/migrations/** or carries label iam" */
function riskWhen(when: RiskCondition): string {
  const parts = [when.changedPaths?.length ? `changes ${when.changedPaths.join(", ")}` : null, when.labels?.length ? `carries label ${when.labels.join(", ")}` : null];
  return `when the release ${parts.filter(Boolean).join(" or ")} (or its changes are unknown)`;
}

/** "recreate — api-gateway asks for it; the environment's own is rolling": the strategy and, when an app decided it, which. */
function strategyLine(config: Partial<EnvironmentConfig>): string {
  const { strategy } = effectiveStrategy(null, config);
  const own = config.strategy ?? "rolling";
  const askers = strategy === own ? [] : Object.entries(config.apps ?? {}).flatMap(([app, a]) => (a.strategy === strategy ? [app] : []));
  const warm = strategy === "blue-green" && config.warmFor ? `, previous release warm for ${formatDuration(config.warmFor)}` : "";
  const rolling = strategy === "rolling" ? ", traffic moves over in steps of 25%" : "";
  const why = askers.length ? ` — ${askers.join(", ")} ${askers.length === 1 ? "asks" : "ask"} for it; the environment's own is ${own}` : "";
  return `${strategy}${warm}${rolling}${why}`;
}

/** The environment's rules as slipway.yaml declares them: how it deploys and what guards it. */
export function RulesPanel({ config }: { config: Partial<EnvironmentConfig> }) {
  const gates = config.gates;
  const items: [React.ReactNode, React.ReactNode][] = [
    ["Strategy", strategyLine(config)],
    ["Instances", config.instances ?? 1],
    ["Auto-promote", config.autoPromote ? "yes, when the gates pass" : "no"],
    ["Tests", gates?.tests ? "every build must have passing CI tests" : none],
    [
      "Soak",
      gates?.soak
        ? `${formatDuration(gates.soak.duration)} in the previous environment, error rate ≤ ${gates.soak.maxErrorRate * 100}%, p95 ≤ ${gates.soak.maxP95Ms} ms${gates.soak.allowUnobserved ? "; passes unverified (amber) when no traffic is observed" : "; fails when no traffic is observed"}`
        : none,
    ],
    [
      "Verified",
      gates?.verified ? (
        `${gates.verified.names.join(", ")} passed in the previous environment (results within ${formatDuration(gates.verified.timeout)})`
      ) : (
        // "none" alone did not say none of what: the gate asks for verification jobs (e2e, load tests) to pass first.
        <span className="text-zinc-400">none: no verification job has to pass first</span>
      ),
    ],
    [
      "Windows",
      gates?.windows?.length ? (
        <ul>
          {gates.windows.map((w, i) => (
            <li key={i}>
              {w.days.join(", ")} {w.from}–{w.to} ({w.timezone})
            </li>
          ))}
        </ul>
      ) : (
        "any time"
      ),
    ],
    [
      "Freezes",
      gates?.freezes?.length ? (
        <ul>
          {gates.freezes.map((f) => (
            <li key={f.name}>
              <strong className="font-medium">{f.name}</strong>: {f.reason}{" "}
              <span className="text-zinc-500">
                {f.kind === "recurring" ? (
                  <>
                    (<Recurrence rule={f.rrule} />, for {formatDuration(f.duration)}, {f.timezone})
                  </>
                ) : (
                  `(${f.start} → ${f.end})`
                )}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        none
      ),
    ],
    [
      "Approvals",
      gates?.approvals ? (
        <span className="flex flex-wrap items-center gap-1">
          {gates.approvals.rules.map((r) => (
            <Badge key={r.role}>
              {r.count} × {r.role}
              {r.when ? ` only ${riskWhen(r.when)}` : ""}
            </Badge>
          ))}
          <span className="text-zinc-500">valid {formatDuration(gates.approvals.expiresAfter)}; nobody approves their own request</span>
        </span>
      ) : (
        none
      ),
    ],
    ["Open incidents", gates?.incident === false ? "ignored" : "block deployments"],
    [
      "Checklist",
      gates?.checklist?.length ? (
        <ul className="list-inside list-disc">
          {gates.checklist.map((c) => (
            <li key={checklistItemName(c)}>
              {checklistItemName(c)}
              {typeof c === "string" ? null : <span className="text-zinc-500"> — only {riskWhen(c.when)}</span>}
            </li>
          ))}
        </ul>
      ) : (
        none
      ),
    ],
    ["Overrides", config.overrides?.roles?.length ? config.overrides.roles.join(", ") : "nobody"],
  ];
  if (config.fastTrack) {
    items.push(["Fast-track", `from ${config.fastTrack.branches.join(", ")}, approvals ${config.fastTrack.approvals.rules.map((r) => r.role).join(" + ")}`]);
  }
  if (config.smoke?.length) items.push(["Smoke checks", config.smoke.map((s) => `${s.app} ${s.path} → ${s.expectStatus}`).join("; ")]);
  if (config.hooks?.length) items.push(["Hooks", config.hooks.map((h) => `${h.name} (${h.app}: ${h.job})`).join("; ")]);
  if (config.verifications?.length) items.push(["Verification jobs", config.verifications.map((v) => `${v.name} (${v.app}: ${v.job}) after each deployment`).join("; ")]);
  if (config.slo) items.push(["SLO", `${config.slo.availability}% over ${formatDuration(config.slo.window)}`]);
  return (
    <Panel title="Rules (pipeline file)" bodyClassName="px-4 py-3">
      <Facts items={items} />
    </Panel>
  );
}
