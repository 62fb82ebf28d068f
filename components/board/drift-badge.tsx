import { Badge } from "@/components/ui/badge";

/** The difference in as few words as a board cell has room for; the full message is in the title. */
function compact(drift: { kind: string; message: string }): string {
  if (drift.kind === "other-build") return drift.message.replace(/ instead of .*$/, "");
  if (drift.kind === "instances-down") {
    const match = /^(\d+) of (\d+)/.exec(drift.message);
    if (match) return `${match[1]}/${match[2]} down`;
  }
  return drift.message;
}

/**
 * Marks a cell whose app the platform runs otherwise than Slipway recorded ("drift"), with the
 * difference in short; nothing when they agree.
 */
export function DriftBadge({ drift }: { drift: { kind: string; message: string } | null | undefined }) {
  if (!drift) return null;
  return (
    <span className="inline-flex min-w-0 items-center gap-1 text-xs" title={`The platform differs from the record: ${drift.message}`}>
      <Badge tone="red">drift</Badge>
      <span className="truncate text-rose-700">{compact(drift)}</span>
    </span>
  );
}
