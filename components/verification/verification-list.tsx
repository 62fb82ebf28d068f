import { Badge, type Tone } from "@/components/ui/badge";

/** One verification as the board and the "why" panel show it. */
export interface VerificationItem {
  name: string;
  status: string;
  url: string | null;
  summary: string | null;
  source?: string | null;
}

const TONE: Record<string, Tone> = { passed: "green", failed: "red", pending: "amber", running: "blue", missing: "amber" };
const WORD: Record<string, string> = { passed: "passed", failed: "failed", pending: "not started", running: "running", missing: "no result yet" };

/** Only our own pages and http(s) runs are links: anything else shows as text. */
function safeHref(url: string | null): string | null {
  if (!url) return null;
  return /^https?:\/\//i.test(url) || (url.startsWith("/") && !url.startsWith("//")) ? url : null;
}

/** Each verification with its status and a link to its run. */
export function VerificationList({ items, label = "Verifications" }: { items: readonly VerificationItem[]; label?: string }) {
  if (items.length === 0) return null;
  return (
    <ul aria-label={label} className="flex flex-col gap-1">
      {items.map((v) => {
        const href = safeHref(v.url);
        return (
          <li key={v.name} className="flex flex-wrap items-center gap-1.5 text-xs" data-verification={v.name} data-status={v.status}>
            <Badge tone={TONE[v.status] ?? "neutral"}>
              {v.name}: {WORD[v.status] ?? v.status}
            </Badge>
            {href && (
              <a href={href} className="text-sky-700 underline-offset-2 hover:underline" {...(href.startsWith("/") ? {} : { target: "_blank", rel: "noopener noreferrer" })}>
                {v.source === "job" ? "job output" : "run"}
              </a>
            )}
            {v.summary && (
              <span className="truncate text-zinc-600" title={v.summary}>
                {v.summary}
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
