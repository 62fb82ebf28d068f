"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { axisProps, CHART_HEIGHT, ChartFigure, COLORS, dayAxisProps, dayTooltip, MARGIN, yAxisLabel } from "./chart-kit";

interface Day {
  day: string;
  count: number;
}

const tooltip = dayTooltip<Day>((d) => [`${d.count} deployment${d.count === 1 ? "" : "s"} succeeded`]);

/** Deployment frequency: one bar per day, the number of deployments that succeeded that day. */
export function FrequencyChart({ series, label }: { series: Day[]; label: string }) {
  const empty = series.every((d) => d.count === 0) ? "No deployment succeeded in this period." : null;
  return (
    <ChartFigure label={label} empty={empty}>
      <ResponsiveContainer width="100%" height={CHART_HEIGHT} initialDimension={{ width: 520, height: CHART_HEIGHT }}>
        <BarChart data={series} margin={MARGIN}>
          <CartesianGrid vertical={false} stroke={COLORS.grid} />
          <XAxis {...dayAxisProps} />
          <YAxis {...axisProps} allowDecimals={false} width={44} label={yAxisLabel("deployments")} />
          <Tooltip content={tooltip} cursor={{ fill: COLORS.grid }} />
          <Bar dataKey="count" name="deployments" fill={COLORS.deployments} radius={[2, 2, 0, 0]} maxBarSize={28} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}
