import type { ReactNode } from "react";
import type { TooltipContentProps } from "recharts";
import { formatDay } from "./format";

/**
 * What the four delivery charts share: a muted palette in the app's colours (zinc, emerald, sky,
 * rose), quiet axes, one fixed height that reads well on a laptop, and a tooltip per day.
 */
export const CHART_HEIGHT = 220;

export const COLORS = {
  deployments: "#059669", // emerald-600
  ok: "#d4d4d8", // zinc-300
  failed: "#e11d48", // rose-600
  leadTime: "#0284c7", // sky-600
  restore: "#38bdf8", // sky-400
  median: "#71717a", // zinc-500
  grid: "#f4f4f5", // zinc-100
  axis: "#71717a", // zinc-500
} as const;

export const MARGIN = { top: 8, right: 12, bottom: 4, left: 4 };

export const axisProps = {
  tick: { fill: COLORS.axis, fontSize: 11 },
  tickLine: false,
  axisLine: { stroke: "#e4e4e7" }, // zinc-200
} as const;

export const dayAxisProps = { ...axisProps, dataKey: "day", tickFormatter: formatDay, minTickGap: 18 } as const;

/** A y-axis title along the axis, e.g. "deployments" or "hours". */
export function yAxisLabel(value: string) {
  return { value, angle: -90, position: "insideLeft" as const, offset: 12, style: { fill: COLORS.axis, fontSize: 11, textAnchor: "middle" as const } };
}

/** The tooltip box: the day, then one line per fact about it. */
export function dayTooltip<T>(describe: (datum: T) => string[]) {
  function DayTooltip({ active, payload }: TooltipContentProps) {
    const datum = payload?.[0]?.payload as (T & { day: string }) | undefined;
    if (!active || !datum) return null;
    return (
      <div className="rounded-md border border-zinc-200 bg-white px-2.5 py-1.5 text-xs shadow-sm">
        <div className="font-medium text-zinc-800">{formatDay(datum.day)}</div>
        {describe(datum).map((line) => (
          <div key={line} className="text-zinc-600">
            {line}
          </div>
        ))}
      </div>
    );
  }
  return DayTooltip;
}

/** The chart's frame: a labelled figure, or a quiet note in the same space when there is nothing to draw. */
export function ChartFigure({ label, empty, children }: { label: string; empty: string | null; children: ReactNode }) {
  return (
    <figure aria-label={label} className="m-0" style={{ height: CHART_HEIGHT }}>
      {empty ? <div className="grid h-full place-items-center rounded-md bg-zinc-50 px-6 text-center text-sm text-zinc-500">{empty}</div> : children}
    </figure>
  );
}
