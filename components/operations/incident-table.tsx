import { AUTOMATION_USER } from "@/lib/auth/actor";
import type { IncidentView } from "@/lib/services/incidents";
import { Badge, Dot, type Tone } from "@/components/ui/badge";
import { tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { ResolveIncidentButton } from "./resolve-incident-button";
import { Since } from "./when";

const SEVERITY_TONE: Record<string, Tone> = { critical: "red", major: "amber", minor: "neutral" };

export function SeverityBadge({ severity }: { severity: string }) {
  return <Badge tone={SEVERITY_TONE[severity] ?? "neutral"}>{severity}</Badge>;
}

function formatOpenFor(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Incidents with environment, severity, who opened them (a person or the incident tool) and, when open, Resolve. */
export function IncidentTable({ incidents, now, canManage, caption }: { incidents: IncidentView[]; now: Date; canManage: boolean; caption: string }) {
  const anyOpen = incidents.some((i) => i.state === "open");
  return (
    <table className={tableClass} aria-label={caption}>
      <thead>
        <tr>
          <th className={thClass}>Environment</th>
          <th className={thClass}>Incident</th>
          <th className={thClass}>Severity</th>
          <th className={thClass}>Opened</th>
          <th className={thClass}>{anyOpen ? "State" : "Resolved"}</th>
          {canManage && anyOpen && <th className={thClass}></th>}
        </tr>
      </thead>
      <tbody>
        {incidents.map((i) => (
          <tr key={i.id} data-testid="incident-row">
            <td className={tdClass}>
              <Badge>{i.environment}</Badge>
            </td>
            <td className={`${tdClass} max-w-md`}>
              <div className="font-medium">
                {i.url ? (
                  <a href={i.url} target="_blank" rel="noreferrer" className="underline-offset-2 hover:underline">
                    {i.title}{" "}
                    <span aria-hidden className="text-zinc-400">
                      ↗
                    </span>
                  </a>
                ) : (
                  i.title
                )}
              </div>
              {i.externalId && <div className="font-mono text-xs text-zinc-500">{i.externalId}</div>}
            </td>
            <td className={tdClass}>
              <SeverityBadge severity={i.severity} />
            </td>
            <td className={`${tdClass} text-xs`}>
              <div className="text-zinc-800">
                <Since at={i.openedAt} now={now} />{" "}
                <span className="text-zinc-500">
                  (<RelativeTime at={i.openedAt} now={now} />)
                </span>
              </div>
              <div className="text-zinc-500">
                {i.openedVia === "webhook" ? (
                  "by the incident tool (webhook)"
                ) : (
                  <>
                    by <span title={i.openedBy?.email}>{i.openedBy?.name ?? "someone"}</span> via {i.openedVia}
                  </>
                )}
              </div>
            </td>
            <td className={`${tdClass} text-xs`}>
              {i.state === "open" ? (
                <Badge tone="red">
                  <Dot tone="red" pulse />
                  open · blocks deploys
                </Badge>
              ) : (
                <div className="flex flex-col gap-0.5">
                  <span className="text-zinc-800">{i.resolvedAt ? <RelativeTime at={i.resolvedAt} now={now} /> : "resolved"}</span>
                  <span className="text-zinc-500">
                    by {i.resolvedBy?.id === AUTOMATION_USER.id ? "the incident tool" : (i.resolvedBy?.name ?? "someone")}
                    {i.resolvedAt && <> · open {formatOpenFor(i.resolvedAt.getTime() - i.openedAt.getTime())}</>}
                  </span>
                </div>
              )}
            </td>
            {canManage && anyOpen && (
              <td className={tdClass}>
                <div className="flex justify-end">{i.state === "open" && <ResolveIncidentButton incidentId={i.id} title={i.title} environment={i.environment} />}</div>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
