import { formatDate, formatSince } from "@/lib/domain/gates/format";
import { isValidTimeZone } from "@/lib/config/primitives";
import { RelativeTime } from "@/components/ui/time";

/** The zone to show a freeze's or incident's times in: its own when it has a valid one, else UTC (as elsewhere in the UI). */
export function zoneOf(zone: string | null | undefined): string {
  return zone && isValidTimeZone(zone) ? zone : "UTC";
}

const iso = (at: Date | string) => new Date(at).toISOString();

/** "2 Jan 00:00 UTC (in 3 d)": an instant on the wall clock of `zone`, with how far it is from now. */
export function Instant({ at, now, zone, relative = true }: { at: Date | string; now: Date; zone?: string | null; relative?: boolean }) {
  const date = new Date(at);
  const tz = zoneOf(zone);
  return (
    <span className="whitespace-nowrap">
      <time dateTime={iso(date)} title={iso(date)}>
        {formatDate(date, tz, now)} <span className="text-[0.7rem] opacity-70">{tz}</span>
      </time>
      {relative && (
        <span className="opacity-70">
          {" "}
          (<RelativeTime at={date} now={now} />)
        </span>
      )}
    </span>
  );
}

/** "14:02 UTC" today, "2 Jan 14:02 UTC" before. */
export function Since({ at, now, zone }: { at: Date | string; now: Date; zone?: string | null }) {
  const date = new Date(at);
  const tz = zoneOf(zone);
  return (
    <time dateTime={iso(date)} title={iso(date)} className="whitespace-nowrap">
      {formatSince(date, tz, now)} <span className="text-[0.7rem] opacity-70">{tz}</span>
    </time>
  );
}
