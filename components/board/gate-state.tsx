import Link from "next/link";
import type { Automation } from "@/lib/domain/hold";
import { whoMay } from "@/lib/auth/policy";
import { environmentPathByName } from "@/lib/paths";
import type { GateState } from "@/lib/domain/gate-state";
import { formatDate, formatRelative } from "@/lib/domain/gates/format";
import { inZone } from "@/lib/domain/gates/time";
import { ZonedTime } from "@/components/ui/zoned-time";
import { RelativeTime } from "@/components/ui/time";

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
/** "Mon 8 Jun 09:00" on the wall clock of `zone`. */
const when = (at: Date, zone: string, now: Date) => `${WEEKDAYS[inZone(at, zone).weekday - 1]} ${formatDate(at, zone, now)}`;

const chip = "rounded px-1.5 py-0.5 ring-1 ring-inset";

/**
 * What guards an environment right now, under its column head on the board: each freeze in force
 * (what, by whom, until when, why), the deployment window (open until / closed, next opening —
 * in the window's zone and the viewer's), open incidents and a hold. Nothing when all is clear
 * and the environment has no windows.
 */
export function GateStateList({ pipeline, environment, state, now, automation }: { pipeline?: string | null; environment: string; state: GateState; now: Date; automation: Automation }) {
  const { frozen, window, incidents, hold } = state;
  if (frozen.length === 0 && window === null && incidents.length === 0 && hold === null) return null;
  return (
    <ul aria-label={`Gates of ${environment} now`} className="flex flex-col gap-1 text-xs font-normal" data-testid={`gate-state-${environment}`}>
      {frozen.map((f) => (
        <li key={`${f.source}-${f.id ?? f.name}`} data-gate-state="freeze" className={`${chip} bg-sky-50 text-sky-900 ring-sky-200`}>
          <span className="font-medium">Frozen</span>
          {f.allEnvironments ? " (every environment)" : ""} by &ldquo;{f.name}&rdquo; ({f.by}){" "}
          {f.end ? (
            <>
              until <ZonedTime at={f.end} zone={f.timezone} label={when(f.end, f.timezone, now)} /> · {formatRelative(f.end, now)}
            </>
          ) : (
            "until lifted"
          )}
          <span className="mt-0.5 block line-clamp-3 text-sky-800" title={f.reason}>
            {f.reason}
          </span>
        </li>
      ))}
      {window &&
        (window.open ? (
          <li data-gate-state="window-open" className={`${chip} bg-emerald-50 text-emerald-900 ring-emerald-200`}>
            <span className="font-medium">Window open</span>{" "}
            {window.until ? (
              <>
                until <ZonedTime at={window.until} zone={window.timezone} label={when(window.until, window.timezone, now)} /> · closes {formatRelative(window.until, now)}
              </>
            ) : (
              "for days to come"
            )}
          </li>
        ) : (
          <li data-gate-state="window-closed" className={`${chip} bg-amber-50 text-amber-900 ring-amber-200`}>
            <span className="font-medium">Window closed</span>{" "}
            {window.opensAt ? (
              <>
                · opens <ZonedTime at={window.opensAt} zone={window.timezone} label={when(window.opensAt, window.timezone, now)} /> · {formatRelative(window.opensAt, now)}
              </>
            ) : (
              "· it never opens"
            )}
          </li>
        ))}
      {incidents.map((i) => (
        <li key={i.id} data-gate-state="incident" className={`${chip} bg-rose-50 text-rose-900 ring-rose-200`}>
          <Link href="/incidents" className="hover:underline">
            <span className="font-medium">Open incident</span> ({i.severity}): {i.title}
          </Link>{" "}
          {/* Elapsed time in the page's own words, kept current by its ticker ("opened just now", not a countdown's rounded-up "since 1 min"). */}· opened <RelativeTime at={i.openedAt} now={now} />
        </li>
      ))}
      {hold && (
        <li data-gate-state="hold" className={`${chip} bg-amber-50 text-amber-900 ring-amber-200`}>
          <Link href={environmentPathByName(environment, pipeline)} className="hover:underline">
            <span className="font-medium">On hold</span>
          </Link>
          {hold.reason ? `: ${hold.reason}` : " after a rollback"} —{" "}
          {automation === "auto-promote" ? `no automatic promotion here until ${whoMay("environment.hold.lift")} lifts the hold` : `until ${whoMay("environment.hold.lift")} lifts it`}
        </li>
      )}
    </ul>
  );
}
