import type { EnvironmentTraffic } from "@/lib/services/traffic-queries";
import { Badge } from "@/components/ui/badge";
import { Panel } from "@/components/ui/layout";
import { TrafficChart } from "./traffic-chart";
import { formatPercent, packTraffic, TRAFFIC_CHART_HEIGHT } from "./traffic-series";

/**
 * The last hour of an environment's traffic, minute by minute (requests, failures, p95), and where
 * its SLO stands: the error budget left over the SLO window and both burn-rate rules read now.
 * Rendered on the server; only the chart is a client component (it gets the series packed).
 */
export function TrafficPanel({ environmentRef, traffic }: { environmentRef: string; traffic: EnvironmentTraffic }) {
  const total = traffic.minutes.reduce((n, m) => n + m.requests, 0);
  const failed = traffic.minutes.reduce((n, m) => n + m.errors, 0);
  const slo = traffic.slo;
  return (
    <Panel
      title="Traffic · last hour"
      actions={
        <span className="flex flex-wrap items-center gap-2 text-xs text-zinc-600">
          <span>
            {total.toLocaleString("en")} requests · {failed.toLocaleString("en")} failed{total ? ` (${formatPercent(failed / total)})` : ""}
          </span>
          {slo && (
            <>
              <span aria-hidden>·</span>
              <span title={`Error budget of the ${slo.availability}% objective left over the last ${Math.round(slo.windowMs / 86_400_000)} days`}>
                SLO {slo.availability}%: {slo.budgetLeft === null ? "no traffic yet" : slo.budgetLeft < 0 ? "budget spent" : `budget left ${formatPercent(slo.budgetLeft)}`}
              </span>
              {slo.burn.windows.map((w) => (
                <Badge key={w.name} tone={w.firing ? "red" : "neutral"}>
                  {w.name} burn {w.short.burn === null ? "—" : `${w.short.burn.toFixed(1)}×`}
                </Badge>
              ))}
            </>
          )}
        </span>
      }
      bodyClassName="px-2 py-2"
    >
      {total === 0 ? (
        <div className="flex items-center justify-center rounded-md bg-zinc-50 px-6 text-center text-sm text-zinc-500" style={{ height: TRAFFIC_CHART_HEIGHT }}>
          <p className="max-w-md">
            No requests in the last hour. Traffic is sampled from the apps&apos; <code className="font-mono">/metrics</code>; to see some, run{" "}
            <code className="font-mono break-words text-zinc-700">npm run demo:traffic -- --env {environmentRef}</code>
          </p>
        </div>
      ) : (
        <TrafficChart series={packTraffic(traffic.minutes)} />
      )}
    </Panel>
  );
}
