import Link from "next/link";
import { Since } from "./when";

/** What the banner needs of an incident: an IncidentView (lib/services/incidents.ts) fits as it is. */
export interface IncidentBannerItem {
  id: string;
  environment: string;
  title: string;
  severity: string;
  openedAt: Date | string;
  url: string | null;
  state?: string;
}

/**
 * Open incidents on an environment: deployments into it are refused until they are resolved.
 * Renders nothing when none is open. Server-renderable; pass `now` from the page's clock.
 */
export function IncidentBanner({ incidents, now, environment, href = "/incidents" }: { incidents: readonly IncidentBannerItem[]; now: Date; environment?: string | null; href?: string }) {
  const open = incidents.filter((i) => (i.state ?? "open") === "open");
  if (open.length === 0) return null;
  return (
    <div role="status" aria-label="Open incident" data-testid="incident-banner" className="flex flex-wrap items-start justify-between gap-3 rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-rose-950">
      <div className="flex min-w-0 flex-col gap-1">
        <ul className="flex flex-col gap-1">
          {open.map((i) => (
            <li key={i.id}>
              <strong className="font-semibold">Open incident{environment ? "" : ` on ${i.environment}`}:</strong>{" "}
              {i.url ? (
                <a href={i.url} target="_blank" rel="noreferrer" className="underline underline-offset-2">
                  {i.title}
                </a>
              ) : (
                i.title
              )}{" "}
              ({i.severity}) since <Since at={i.openedAt} now={now} />
            </li>
          ))}
        </ul>
        <p className="text-xs text-rose-900/80">
          Deployments into {environment ?? (open.length === 1 ? open[0]!.environment : "these environments")} are refused until {open.length === 1 ? "it is" : "they are"} resolved.
        </p>
      </div>
      <Link href={href} className="shrink-0 text-sm font-medium text-rose-900 underline-offset-2 hover:underline">
        Incidents →
      </Link>
    </div>
  );
}
