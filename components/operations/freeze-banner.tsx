import Link from "next/link";
import { Instant } from "./when";

/** What the banner needs of a freeze: a FreezeView (lib/services/freezes.ts) fits as it is. */
export interface FreezeBannerItem {
  id: string | null;
  name: string;
  reason: string;
  /** null: every environment (stop the line) of `pipeline`, or of every pipeline when that is null too. */
  environment: string | null;
  pipeline?: string | null;
  source: string;
  timezone: string | null;
  active: boolean;
  period: { start: Date | string; end: Date | string | null } | null;
  createdBy: { name: string } | null;
  problem?: string | null;
}

function byWhom(freeze: FreezeBannerItem): string {
  return freeze.createdBy?.name ?? (freeze.source === "slipway.yaml" ? "the pipeline file" : "someone");
}

/**
 * Active freezes on an environment (or the stop-the-line ones on the board): who froze it, why and
 * until when, with a link to the freezes page (`href`, or none when null). Renders nothing when no freeze is active. Server-
 * renderable; pass `now` from the page's clock so server and client agree.
 */
export function FreezeBanner({ freezes, now, environment, href }: { freezes: readonly FreezeBannerItem[]; now: Date; environment?: string | null; href?: string | null }) {
  // Stop-the-line freezes first: they decide the most.
  const active = freezes.filter((f) => f.active).sort((a, b) => Number(b.environment === null) - Number(a.environment === null));
  if (active.length === 0) return null;
  const stopTheLine = active.some((f) => f.environment === null && !f.pipeline);
  // null: the page is the freezes page itself (a link to where one already is reads as a way out).
  const link = href === null ? null : (href ?? (environment ? `/freezes?environment=${encodeURIComponent(environment)}` : "/freezes"));
  return (
    <div role="status" aria-label={stopTheLine ? "Stop the line" : "Frozen"} data-testid="freeze-banner" className="flex flex-wrap items-start justify-between gap-3 rounded-lg border border-sky-200 bg-sky-50 px-4 py-3 text-sky-950">
      <ul className="flex min-w-0 flex-col gap-1">
        {active.map((f, i) => (
          <li key={f.id ?? `${f.environment}-${f.name}-${i}`}>
            <span aria-hidden className="mr-1.5">
              ❄
            </span>
            {/* "by" first: "until lifted by Lee" read as if Lee had lifted it. A pipeline's freeze is not "stop the line" (the form's name for every pipeline). */}
            <strong className="font-semibold">
              {f.environment === null ? (f.pipeline ? `Every environment of ${f.pipeline} is frozen` : "Stop the line: every environment is frozen") : environment ? "Frozen" : `${f.environment} is frozen`}
            </strong>{" "}
            by {byWhom(f)}{" "}
            {f.problem ? (
              <>(its schedule cannot be read, so deployments wait: {f.problem})</>
            ) : f.period?.end ? (
              <>
                until <Instant at={f.period.end} now={now} zone={f.timezone} relative={false} />
              </>
            ) : (
              <>until lifted</>
            )}
            : {f.reason}
            <span className="text-sky-800/70"> · {f.name}</span>
          </li>
        ))}
      </ul>
      {link && (
        <Link href={link} className="shrink-0 text-sm font-medium text-sky-900 underline-offset-2 hover:underline">
          Freezes →
        </Link>
      )}
    </div>
  );
}
