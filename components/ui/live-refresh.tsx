"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { AutoRefresh } from "./auto-refresh";

/** How often an open page asks whether what it shows has changed (ms). */
export const REVISION_POLL_MS = 3_000;

/** Answers that stay the same however often one asks: signed out, forbidden, not found. */
const FINAL_STATUSES = new Set([401, 403, 404]);

class PollError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * Keeps a server page live without re-rendering it on a timer: every REVISION_POLL_MS while the
 * tab is visible it reads the change token at `url` (one indexed read on the server), and
 * re-renders the page (router.refresh) only when the token differs from `revision`, the one the
 * page was rendered with. A hidden tab does not poll; coming back asks at once.
 *
 * Time passing changes what a page shows without any write (a reading going stale, a soak or
 * window ending), so the page is also re-rendered after `backstopSeconds` without any re-render;
 * that count restarts at every render (`renderedAt`, the server's time of the render).
 */
export function LiveRefresh({ url, revision, renderedAt, backstopSeconds }: { url: string; revision: string; renderedAt: string; backstopSeconds: number }) {
  const router = useRouter();
  // What is on screen, for the poll's answer to be compared with (kept in a ref: a render alone,
  // e.g. the backstop's, must not refresh again because the last answer is older than it).
  const shown = useRef(revision);
  useEffect(() => {
    shown.current = revision;
  }, [revision]);
  const { data: latest } = useQuery({
    queryKey: ["revision", url],
    queryFn: async (): Promise<string> => {
      const response = await fetch(url, { cache: "no-store" });
      if (!response.ok) throw new PollError(response.status);
      return ((await response.json()) as { revision: string }).revision;
    },
    // Signed out, no longer allowed, the pipeline gone: asking again would only be refused again
    // (and each refusal is audited); the backstop's re-render shows the page as it now is.
    refetchInterval: (query) => (query.state.error instanceof PollError && FINAL_STATUSES.has(query.state.error.status) ? false : REVISION_POLL_MS),
    refetchOnWindowFocus: "always",
    staleTime: 0,
    // A failed poll is simply asked again at the next interval; the backstop still refreshes.
    retry: false,
    // Dropped with the page: an answer kept from an earlier visit would refresh a page just rendered.
    gcTime: 0,
  });
  useEffect(() => {
    if (latest !== undefined && latest !== shown.current) router.refresh();
  }, [latest, router]);
  // Keyed by the render: each render (whatever caused it) starts the backstop's count again.
  return <AutoRefresh key={renderedAt} seconds={backstopSeconds} />;
}
