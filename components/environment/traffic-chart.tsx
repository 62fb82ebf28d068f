"use client";

import { Bar, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from "recharts";
import { axisProps, COLORS, MARGIN, yAxisLabel } from "@/components/metrics/chart-kit";
import { formatPercent, TRAFFIC_CHART_HEIGHT, unpackTraffic, type PackedTraffic, type TrafficChartMinute } from "./traffic-series";

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 16);

function MinuteTooltip({ active, payload }: TooltipContentProps) {
  const minute = payload?.[0]?.payload as TrafficChartMinute | undefined;
  if (!active || !minute) return null;
  return (
    <div className="rounded-md border border-zinc-200 bg-white px-2.5 py-1.5 text-xs shadow-sm">
      <div className="font-medium text-zinc-800">{clock(minute.at)} UTC</div>
      <div className="text-zinc-600">
        {minute.requests} requests, {minute.errors} failed{minute.requests ? ` (${formatPercent(minute.errors / minute.requests)})` : ""}
      </div>
      {minute.p95Ms !== null && <div className="text-zinc-600">p95 {minute.p95Ms} ms</div>}
    </div>
  );
}

/**
 * The last hour minute by minute: requests (served and failed, stacked) and the worst app's p95.
 * The series arrives packed (traffic-series.ts): a client component's props travel in the page's
 * payload, and 60 objects with ISO times were most of this panel's bytes.
 */
export function TrafficChart({ series }: { series: PackedTraffic }) {
  const data = unpackTraffic(series);
  return (
    <figure aria-label="Requests per minute, failed requests and p95 latency over the last hour" className="m-0" style={{ height: TRAFFIC_CHART_HEIGHT }}>
      <ResponsiveContainer width="100%" height={TRAFFIC_CHART_HEIGHT} initialDimension={{ width: 640, height: TRAFFIC_CHART_HEIGHT }}>
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
  );
}
