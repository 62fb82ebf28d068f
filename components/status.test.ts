import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { HealthLabel } from "./status";

const now = new Date("2026-03-02T10:00:00Z");
const render = (props: Partial<Parameters<typeof HealthLabel>[0]>) => renderToStaticMarkup(createElement(HealthLabel, { status: "unhealthy", observedAt: new Date("2026-03-02T09:05:00Z"), stale: true, now, ...props }));

describe("HealthLabel", () => {
  it("marks a stale reading with a clock, says so to screen readers and in its title, and keeps the status's colour", () => {
    const html = render({});
    expect(html).toContain('class="health-stale">unhealthy</span>');
    expect(html).toContain('class="sr-only">(stale: not confirmed recently)');
    expect(html).toContain('title="unhealthy, last checked 55 min. ago: not confirmed recently, this may no longer be true"');
    expect(html).not.toContain("· stale");
    expect(html).toContain('class="health health-unhealthy"');
    expect(html).toContain("<time");
  });

  it("compact (a board of many environments): the time only in the title", () => {
    const html = render({ compact: true, stale: false });
    expect(html).not.toContain("<time");
    expect(html).not.toContain("health-stale");
    expect(html).toContain('title="unhealthy, last checked 55 min. ago"');
  });

  it("compact and stale: one screen-reader text says both", () => {
    const html = render({ compact: true });
    expect(html).toContain('class="sr-only">(stale: not confirmed recently), last checked 55 min. ago</span>');
    expect(html.match(/sr-only/g)).toHaveLength(1);
  });

  it("a fresh reading, not compact: no title, no marker", () => {
    const html = render({ stale: false });
    expect(html).toMatch(/^<span class="health health-unhealthy">/);
    expect(html).not.toContain("health-stale");
    expect(html).toContain("<time");
  });
});
