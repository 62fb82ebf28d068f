import { describe, expect, it } from "vitest";
import { describeRecurrence } from "./recurrence-text";

describe("describeRecurrence", () => {
  it("puts a freeze's rule into words, whatever the order of its parts", () => {
    expect(describeRecurrence("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22")).toBe("every December on the 22nd");
    expect(describeRecurrence("BYMONTHDAY=22;BYMONTH=12;FREQ=YEARLY")).toBe("every December on the 22nd");
    expect(describeRecurrence("FREQ=WEEKLY;BYDAY=FR")).toBe("every week on Friday");
  });

  it("gives every time of day as a clock time, for every frequency rrule words", () => {
    expect(describeRecurrence("FREQ=WEEKLY;BYDAY=FR;BYHOUR=16")).toBe("every week on Friday at 16:00");
    expect(describeRecurrence("FREQ=DAILY;BYHOUR=7;BYMINUTE=30")).toBe("every day at 07:30");
    expect(describeRecurrence("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24;BYHOUR=12")).toBe("every December on the 24th at 12:00");
    expect(describeRecurrence("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=18")).toBe("every weekday at 18:00");
    expect(describeRecurrence("FREQ=DAILY;BYHOUR=7,19;BYMINUTE=0,30")).toBe("every day at 07:00, 07:30, 19:00, 19:30");
    expect(describeRecurrence("FREQ=DAILY;BYMINUTE=15")).toBe("every day at minute 15 of every hour");
  });

  it("keeps an end (until, count) after the times of day", () => {
    expect(describeRecurrence("FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;COUNT=3")).toBe("every week on Friday at 16:00 for 3 times");
  });

  it("returns as written a rule it would not word faithfully, or cannot parse", () => {
    expect(describeRecurrence("FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1")).toBe("FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1");
    expect(describeRecurrence("FREQ=YEARLY;BYWEEKNO=20")).toBe("FREQ=YEARLY;BYWEEKNO=20");
    expect(describeRecurrence("FREQ=HOURLY;INTERVAL=4")).toBe("FREQ=HOURLY;INTERVAL=4");
    expect(describeRecurrence("FREQ=MONTHLY;BYMONTHDAY=-1")).toBe("FREQ=MONTHLY;BYMONTHDAY=-1");
    expect(describeRecurrence("FREQ=SOMETIMES")).toBe("FREQ=SOMETIMES");
  });
});
