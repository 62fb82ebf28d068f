"use client";

import { useEffect, useState } from "react";

function format(at: Date, zone: string): string {
  return new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone }).format(at);
}

/**
 * An instant on the wall clock of `zone` (a window's or a freeze's), e.g. "Mon 8 Jun, 09:00
 * Europe/Berlin", followed — once in the browser, which knows the viewer's zone — by the viewer's
 * own time when that zone differs. `label` is the time in `zone`, worded on the server by
 * deterministic code (not the host's Intl), so the first paint matches and hydration agrees.
 */
export function ZonedTime({ at, zone, label }: { at: Date | string; zone: string; label: string }) {
  const date = new Date(at);
  const [viewerZone, setViewerZone] = useState<string | null>(null);
  useEffect(() => setViewerZone(Intl.DateTimeFormat().resolvedOptions().timeZone), []);
  const differs = viewerZone !== null && format(date, viewerZone) !== format(date, zone);
  return (
    <time dateTime={date.toISOString()} data-zone={zone}>
      {label} {zone}
      {differs && <span className="text-zinc-500"> ({format(date, viewerZone)} your time)</span>}
    </time>
  );
}
