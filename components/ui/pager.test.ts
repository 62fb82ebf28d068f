import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { PrevNextLinks } from "./pager";

const render = (page: number, pages: number) => renderToStaticMarkup(createElement(PrevNextLinks, { page, pages, href: (to: number) => `/p?page=${to}` }));
/** What a screen reader reads of the markup: its text without aria-hidden elements. */
const spoken = (html: string) =>
  html
    .replace(/<([a-z]+)[^>]*aria-hidden="true"[^>]*>.*?<\/\1>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();

describe("PrevNextLinks", () => {
  it("names its links Previous and Next; the arrows are hidden from screen readers", () => {
    const html = render(2, 3);
    expect(html).toContain('<span aria-hidden="true">←</span>');
    expect(html).toContain('<span aria-hidden="true">→</span>');
    expect(spoken(html)).toBe("Previous Next");
  });

  it("shows no link where there is no such page", () => {
    expect(spoken(render(1, 2))).toBe("Next");
    expect(spoken(render(2, 2))).toBe("Previous");
    expect(render(1, 1)).toBe("");
  });
});
