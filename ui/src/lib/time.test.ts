import { describe, expect, it } from "vitest";
import {
  calendarDaysBetween,
  dayKey,
  formatClock,
  formatDayLabel,
  formatListTime,
  formatMoment,
  groupByDay,
  hhmmToMinutes,
  minutesToHHMM,
} from "./time";

// Local times, so the tests hold in any time zone.
const at = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime();
const NOW = at(2024, 3, 14, 15, 30); // Thursday 14 March 2024, 15:30

describe("formatClock", () => {
  it("uses a zero-padded 24-hour clock", () => {
    expect(formatClock(at(2024, 3, 14, 9, 5))).toBe("09:05");
    expect(formatClock(at(2024, 3, 14, 23, 59))).toBe("23:59");
    expect(formatClock(at(2024, 3, 14, 0, 0))).toBe("00:00");
  });
});

describe("formatListTime", () => {
  it("shows the time for today", () => {
    expect(formatListTime(at(2024, 3, 14, 8, 7), NOW)).toBe("08:07");
    expect(formatListTime(at(2024, 3, 14, 0, 1), NOW)).toBe("00:01");
  });
  it("shows Yesterday, then the weekday within a week", () => {
    expect(formatListTime(at(2024, 3, 13, 23, 0), NOW)).toBe("Yesterday");
    expect(formatListTime(at(2024, 3, 11, 10, 0), NOW)).toBe("Monday");
    expect(formatListTime(at(2024, 3, 8, 10, 0), NOW)).toBe("Friday");
  });
  it("shows a date from a week ago on, with the year when it differs", () => {
    expect(formatListTime(at(2024, 3, 7, 10, 0), NOW)).toBe("7 Mar");
    expect(formatListTime(at(2024, 1, 2, 10, 0), NOW)).toBe("2 Jan");
    expect(formatListTime(at(2023, 12, 31, 10, 0), NOW)).toBe("31 Dec 2023");
  });
  it("treats a clock slightly ahead as today", () => {
    expect(formatListTime(at(2024, 3, 14, 15, 31), NOW)).toBe("15:31");
  });
});

describe("day labels and keys", () => {
  it("labels days relative to now", () => {
    expect(formatDayLabel(at(2024, 3, 14, 1), NOW)).toBe("Today");
    expect(formatDayLabel(at(2024, 3, 13, 1), NOW)).toBe("Yesterday");
    expect(formatDayLabel(at(2024, 3, 10, 1), NOW)).toBe("Sunday");
    expect(formatDayLabel(at(2024, 3, 1, 1), NOW)).toBe("Friday, 1 Mar");
    expect(formatDayLabel(at(2022, 6, 1, 1), NOW)).toBe("Wednesday, 1 Jun 2022");
  });
  it("keys days by local calendar date", () => {
    expect(dayKey(at(2024, 3, 9, 0, 0))).toBe("2024-03-09");
    expect(dayKey(at(2024, 3, 9, 23, 59))).toBe("2024-03-09");
    expect(dayKey(at(2024, 12, 31, 12))).toBe("2024-12-31");
  });
  it("counts calendar days, not 24-hour spans", () => {
    expect(calendarDaysBetween(at(2024, 3, 13, 23, 59), at(2024, 3, 14, 0, 1))).toBe(1);
    expect(calendarDaysBetween(at(2024, 3, 14, 0, 1), at(2024, 3, 14, 23, 59))).toBe(0);
    expect(calendarDaysBetween(at(2024, 3, 1), at(2024, 4, 1))).toBe(31);
  });
  it("formats moments with the date when not today", () => {
    expect(formatMoment(at(2024, 3, 14, 7, 45), NOW)).toBe("07:45");
    expect(formatMoment(at(2024, 3, 12, 7, 45), NOW)).toBe("12 Mar, 07:45");
  });
});

describe("do-not-disturb times", () => {
  it("converts minutes to HH:MM", () => {
    expect(minutesToHHMM(0)).toBe("00:00");
    expect(minutesToHHMM(22 * 60)).toBe("22:00");
    expect(minutesToHHMM(7 * 60 + 5)).toBe("07:05");
    expect(minutesToHHMM(1439)).toBe("23:59");
    expect(minutesToHHMM(1440)).toBe("00:00");
  });
  it("parses HH:MM back, rejecting nonsense", () => {
    expect(hhmmToMinutes("22:00")).toBe(1320);
    expect(hhmmToMinutes("07:05")).toBe(425);
    expect(hhmmToMinutes("7:05")).toBe(425);
    expect(hhmmToMinutes("07:05:00")).toBe(425);
    expect(hhmmToMinutes("24:00")).toBeNull();
    expect(hhmmToMinutes("12:60")).toBeNull();
    expect(hhmmToMinutes("")).toBeNull();
    expect(hhmmToMinutes("noon")).toBeNull();
  });
  it("round-trips every minute of the day", () => {
    for (let m = 0; m < 1440; m += 7) expect(hhmmToMinutes(minutesToHHMM(m))).toBe(m);
  });
});

describe("groupByDay", () => {
  type Item = { id: number; t: number };
  const group = (items: Item[]) =>
    groupByDay(
      items,
      (i) => i.t,
      (i) => `m:${i.id}`,
      NOW,
    );

  it("puts a separator before the first item of each day", () => {
    const rows = group([
      { id: 1, t: at(2024, 3, 12, 9) },
      { id: 2, t: at(2024, 3, 12, 18) },
      { id: 3, t: at(2024, 3, 13, 8) },
      { id: 4, t: at(2024, 3, 14, 8) },
      { id: 5, t: at(2024, 3, 14, 9) },
    ]);
    expect(rows.map((r) => (r.kind === "day" ? r.label : r.key))).toEqual([
      "Tuesday",
      "m:1",
      "m:2",
      "Yesterday",
      "m:3",
      "Today",
      "m:4",
      "m:5",
    ]);
  });

  it("gives every row a unique key, even when the clock goes back a day", () => {
    const rows = group([
      { id: 1, t: at(2024, 3, 13, 9) },
      { id: 2, t: at(2024, 3, 14, 9) },
      { id: 3, t: at(2024, 3, 13, 23) },
    ]);
    const keys = rows.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(rows.filter((r) => r.kind === "day")).toHaveLength(2);
  });

  it("returns nothing for nothing", () => {
    expect(group([])).toEqual([]);
  });
});
