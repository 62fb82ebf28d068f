"use client";

import { Bar, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from "recharts";
import type { EnvironmentTraffic, TrafficMinute } from "@/lib/services/traffic-queries";
import { axisProps, COLORS, MARGIN, yAxisLabel } from "@/components/metrics/chart-kit";
import { Badge } from "@/components/ui/badge";
import { Panel } from "@/components/ui/layout";

const HEIGHT = 160;
const clock = (iso: string) => new Date(iso).toISOString().slice(11, 16);
const pct = (ratio: number) => `${(ratio * 100).toFixed(ratio !== 0 && Math.abs(ratio) < 0.01 ? 2 : 1)}%`;

function MinuteTooltip({ active, payload }: TooltipContentProps) {
  const minute = payload?.[0]?.payload as (TrafficMinute & { ok: number }) | undefined;
  if (!active || !minute) return null;
  return (
    <div className="rounded-md border border-zinc-200 bg-white px-2.5 py-1.5 text-xs shadow-sm">
      <div className="font-medium text-zinc-800">{clock(minute.at)} UTC</div>
      <div className="text-zinc-600">
        {minute.requests} requests, {minute.errors} failed{minute.requests ? ` (${pct(minute.errors / minute.requests)})` : ""}
      </div>
      {minute.p95Ms !== null && <div className="text-zinc-600">p95 {minute.p95Ms} ms</div>}
    </div>
  );
}

/**
 * The last hour of an environment's traffic, minute by minute (requests, failures, p95), and where
 * its SLO stands: the error budget left over the SLO window and both burn-rate rules read now.
 */
export function TrafficPanel({ environmentRef, traffic }: { environmentRef: string; traffic: EnvironmentTraffic }) {
  const data = traffic.minutes.map((m) => ({ ...m, ok: m.requests - m.errors }));
  const total = traffic.minutes.reduce((n, m) => n + m.requests, 0);
  const failed = traffic.minutes.reduce((n, m) => n + m.errors, 0);
  const slo = traffic.slo;
  return (
    <Panel
      title="Traffic · last hour"
      actions={
        <span className="flex flex-wrap items-center gap-2 text-xs text-zinc-600">
          <span>
            {total.toLocaleString("en")} requests · {failed.toLocaleString("en")} failed{total ? ` (${pct(failed / total)})` : ""}
          </span>
          {slo && (
            <>
              <span aria-hidden>·</span>
              <span title={`Error budget of the ${slo.availability}% objective left over the last ${Math.round(slo.windowMs / 86_400_000)} days`}>
                SLO {slo.availability}%: {slo.budgetLeft === null ? "no traffic yet" : slo.budgetLeft < 0 ? "budget spent" : `budget left ${pct(slo.budgetLeft)}`}
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
        <div className="flex items-center justify-center rounded-md bg-zinc-50 px-6 text-center text-sm text-zinc-500" style={{ height: HEIGHT }}>
          <p className="max-w-md">
            No requests in the last hour. Traffic is sampled from the apps&apos; <code className="font-mono">/metrics</code>; to see some, run{" "}
            <code className="font-mono break-words text-zinc-700">npm run demo:traffic -- --env {environmentRef}</code>
          </p>
        </div>
      ) : (
        <figure aria-label="Requests per minute, failed requests and p95 latency over the last hour" className="m-0" style={{ height: HEIGHT }}>
          <ResponsiveContainer width="100%" height={HEIGHT} initialDimension={{ width: 640, height: HEIGHT }}>
            <ComposedChart data={data} margin={MARGIN}>
              <CartesianGrid vertical={false} stroke={COLORS.grid} />
              <XAxis {...axisProps} dataKey="at" tickFormatter={clock} minTickGap={24} />
              <YAxis {...axisProps} yAxisId="requests" allowDecimals={false} width={48} label={yAxisLabel("req/min")} />
              <YAxis {...axisProps} yAxisId="latency" orientation="right" width={44} unit=" ms" />
              <Tooltip content={MinuteTooltip} cursor={{ fill: COLORS.grid }} />
              <Bar yAxisId="requests" dataKey="ok" stackId="r" name="served" fill={COLORS.ok} isAnimationActive={false} />
              <Bar yAxisId="requests" dataKey="errors" stackId="r" name="failed" fill={COLORS.failed} isAnimationActive={false} />
              <Line yAxisId="latency" dataKey="p95Ms" name="p95" stroke={COLORS.leadTime} dot={false} strokeWidth={1.5} connectNulls isAnimationActive={false} />
            </ComposedChart>
          </ResponsiveContainer>
        </figure>
      )}
    </Panel>
  );
}
