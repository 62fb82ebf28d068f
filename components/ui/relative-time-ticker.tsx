"use client";

import { useEffect } from "react";
import { relativeTime } from "./time";

const TICK_MS = 30_000;

/**
 * Keeps every RelativeTime on the page current ("3 h ago" → "4 h ago"), one timer for the whole
 * page instead of one per time. It rewrites the text of `time[data-relative]` elements in place;
 * React sets that text itself whenever it renders a new value, so the two never disagree for
 * longer than a tick. The first tick waits TICK_MS: the server's text is fresh on arrival, and
 * touching text before a streamed part of the page has hydrated would be a hydration mismatch.
 */
export function RelativeTimeTicker() {
  useEffect(() => {
    const timer = setInterval(() => {
      const now = new Date();
      for (const element of document.querySelectorAll<HTMLTimeElement>("time[data-relative]")) {
        const text = relativeTime(new Date(element.dateTime), now);
        if (element.textContent !== text) element.textContent = text;
      }
    }, TICK_MS);
    return () => clearInterval(timer);
  }, []);
  return null;
}
