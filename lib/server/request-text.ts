import { unstorableTextReason } from "@/lib/domain/storable-text";

/**
 * Why a request's path or query cannot be served, or null: a NUL or unpaired surrogate, once
 * decoded, would reach PostgreSQL as a page's or endpoint's lookup and fail there as a 500.
 *
 * @param rawUrl the request target as received, e.g. `/environments/q%00a?tab=x`
 * @returns `{ field, reason }` naming `path` or the query parameter, or null when it is fine
 */
export function unstorableRequestText(rawUrl: string | undefined): { field: string; reason: string } | null {
  const url = new URL(rawUrl ?? "/", "http://slipway.invalid");
  for (const segment of url.pathname.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      continue; // a malformed escape is Next's to refuse
    }
    const reason = unstorableTextReason(decoded);
    if (reason) return { field: "path", reason };
  }
  for (const [key, value] of url.searchParams) {
    const reason = unstorableTextReason(key) ?? unstorableTextReason(value);
    if (reason) return { field: `query.${unstorableTextReason(key) ? "(a key)" : key}`, reason };
  }
  return null;
}
