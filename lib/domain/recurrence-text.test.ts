import { describe, expect, it } from "vitest";
import { describeRecurrence } from "./recurrence-text";

describe("describeRecurrence", () => {
  it("puts a freeze's rule into words", () => {
    expect(describeRecurrence("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22")).toBe("every December on the 22nd");
    expect(describeRecurrence("FREQ=WEEKLY;BYDAY=FR")).toBe("every week on Friday");
  });

  it("gives hours as clock times, with the rule's minute", () => {
    expect(describeRecurrence("FREQ=WEEKLY;BYDAY=FR;BYHOUR=16")).toBe("every week on Friday at 16:00");
    expect(describeRecurrence("FREQ=DAILY;BYHOUR=7;BYMINUTE=30")).toBe("every day at 07:30");
  });

  it("returns a rule it cannot parse as written", () => {
    expect(describeRecurrence("FREQ=SOMETIMES")).toBe("FREQ=SOMETIMES");
  });
});
