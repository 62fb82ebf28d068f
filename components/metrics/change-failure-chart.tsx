"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { axisProps, CHART_HEIGHT, ChartFigure, COLORS, dayAxisProps, dayTooltip, MARGIN, yAxisLabel } from "./chart-kit";

interface Day {
  day: string;
  total: number;
  failed: number;
}

const tooltip = dayTooltip<Day & { ok: number }>((d) => (d.total ? [`${d.failed} of ${d.total} change${d.total === 1 ? "" : "s"} failed or rolled back`] : ["no change"]));

/** Change failure rate: each day's changes as a stacked bar, the failed (or later rolled back) part in rose. */
export function ChangeFailureChart({ series, label }: { series: Day[]; label: string }) {
  const data = series.map((d) => ({ ...d, ok: d.total - d.failed }));
  return (
    <ChartFigure label={label} empty={series.every((d) => d.total === 0) ? "No change reached this environment in this period." : null}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={{ width: 520, height: CHART_HEIGHT }}>
        <BarChart data={data} margin={MARGIN}>
          <CartesianGrid vertical={false} stroke={COLORS.grid} />
          <XAxis {...dayAxisProps} />
          <YAxis {...axisProps} allowDecimals={false} width={44} label={yAxisLabel("changes")} />
          <Tooltip content={tooltip} cursor={{ fill: COLORS.grid }} />
          <Bar dataKey="ok" name="succeeded" stackId="changes" fill={COLORS.ok} maxBarSize={28} isAnimationActive={false} />
          <Bar dataKey="failed" name="failed or rolled back" stackId="changes" fill={COLORS.failed} radius={[2, 2, 0, 0]} maxBarSize={28} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
