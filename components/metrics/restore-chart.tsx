"use client";

import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { axisProps, CHART_HEIGHT, ChartFigure, COLORS, dayAxisProps, dayTooltip, MARGIN, yAxisLabel } from "./chart-kit";
import { durationUnitFor, formatSpan } from "./format";

interface Day {
  day: string;
  count: number;
  medianMs: number | null;
}

/** Time to restore: for each day an outage began, how long (median) until a lasting success. */
export function RestoreChart({ series, medianMs, open, label }: { series: Day[]; medianMs: number | null; open: number; label: string }) {
  const unit = durationUnitFor(Math.max(0, ...series.map((d) => d.medianMs ?? 0)));
  const data = series.map((d) => ({ ...d, value: d.medianMs === null ? 0 : d.medianMs / unit.ms }));
  const tooltip = dayTooltip<Day>((d) => (d.count ? [`restored in ${formatSpan(d.medianMs)}${d.count > 1 ? " (median)" : ""}`, `${d.count} outage${d.count === 1 ? "" : "s"} began`] : ["no outage began"]));
  const empty = medianMs === null ? (open ? `${open} outage${open === 1 ? " is" : "s are"} not restored yet.` : "Nothing failed in this period: nothing to restore.") : null;
  return (
    <ChartFigure label={label} empty={empty}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={{ width: 520, height: CHART_HEIGHT }}>
        <BarChart data={data} margin={MARGIN}>
          <CartesianGrid vertical={false} stroke={COLORS.grid} />
          <XAxis {...dayAxisProps} />
          <YAxis {...axisProps} width={44} label={yAxisLabel(unit.label)} />
          <Tooltip content={tooltip} cursor={{ fill: COLORS.grid }} />
          {medianMs !== null && <ReferenceLine y={medianMs / unit.ms} stroke={COLORS.median} strokeDasharray="4 4" label={{ value: `median ${formatSpan(medianMs)}`, position: "insideTopRight", fill: COLORS.median, fontSize: 11 }} />}
          <Bar dataKey="value" name="time to restore" fill={COLORS.restore} radius={[2, 2, 0, 0]} maxBarSize={28} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
