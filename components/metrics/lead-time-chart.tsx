"use client";

import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { axisProps, CHART_HEIGHT, ChartFigure, COLORS, dayAxisProps, dayTooltip, MARGIN, yAxisLabel } from "./chart-kit";
import { durationUnitFor, formatSpan } from "./format";

interface Day {
  day: string;
  count: number;
  medianMs: number | null;
}

/** Lead time for changes: the median of the changes that landed each day, and the period's median as a dashed line. */
export function LeadTimeChart({ series, medianMs, label }: { series: Day[]; medianMs: number | null; label: string }) {
  const unit = durationUnitFor(Math.max(0, ...series.map((d) => d.medianMs ?? 0)));
  const data = series.map((d) => ({ ...d, value: d.medianMs === null ? null : d.medianMs / unit.ms }));
  const tooltip = dayTooltip<Day>((d) => (d.count ? [`median ${formatSpan(d.medianMs)}`, `${d.count} change${d.count === 1 ? "" : "s"} landed`] : ["no change landed"]));
  return (
    <ChartFigure label={label} empty={medianMs === null ? "No change reached this environment in this period." : null}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={{ width: 520, height: CHART_HEIGHT }}>
        <LineChart data={data} margin={MARGIN}>
          <CartesianGrid vertical={false} stroke={COLORS.grid} />
          <XAxis {...dayAxisProps} />
          <YAxis {...axisProps} width={44} label={yAxisLabel(unit.label)} />
          <Tooltip content={tooltip} />
          {medianMs !== null && <ReferenceLine y={medianMs / unit.ms} stroke={COLORS.median} strokeDasharray="4 4" label={{ value: `median ${formatSpan(medianMs)}`, position: "insideTopRight", fill: COLORS.median, fontSize: 11 }} />}
          <Line dataKey="value" name="median lead time" stroke={COLORS.leadTime} strokeWidth={2} dot={{ r: 2.5 }} connectNulls isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
