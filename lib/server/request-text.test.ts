import { describe, expect, it } from "vitest";
import { unstorableRequestText } from "./request-text";

describe("paths and query strings PostgreSQL cannot store", () => {
  it.each([
    ["/environments/q%00a", { field: "path", reason: expect.stringContaining("NUL") }],
    ["/api/v1/releases/%00", { field: "path", reason: expect.stringContaining("NUL") }],
    ["/api/v1/deployments?environment=%00", { field: "query.environment", reason: expect.stringContaining("NUL") }],
    ["/audit?actor=%ED%A0%80", null], // an invalid UTF-8 escape decodes to U+FFFD, which is storable
    ["/environments/qa?tab=history", null],
    ["/environments/%E0%A4%A", null],
  ])("%s", (url, expected) => {
    expect(unstorableRequestText(url)).toEqual(expected);
  });
});
