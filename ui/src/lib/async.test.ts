import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { coalesce, debounce } from "./async";

describe("debounce", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("calls once with the latest arguments after a quiet period", () => {
    const fn = vi.fn();
    const d = debounce(fn, 100);
    d("a");
    vi.advanceTimersByTime(50);
    d("ab");
    vi.advanceTimersByTime(99);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledExactlyOnceWith("ab");
  });

  it("flushes a scheduled call at once and cancels one", () => {
    const fn = vi.fn();
    const d = debounce(fn, 100);
    d(1);
    expect(d.pending()).toBe(true);
    d.flush();
    expect(fn).toHaveBeenCalledExactlyOnceWith(1);
    expect(d.pending()).toBe(false);
    d.flush();
    expect(fn).toHaveBeenCalledTimes(1);
    d(2);
    d.cancel();
    vi.advanceTimersByTime(200);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe("coalesce", () => {
  it("runs a burst of calls as one run plus one follow-up", async () => {
    let runs = 0;
    let release: () => void = () => {};
    const task = coalesce(async () => {
      runs++;
      await new Promise<void>((r) => (release = r));
    });
    const first = task();
    task();
    task();
    const last = task();
    expect(runs).toBe(1);
    release();
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(runs).toBe(2);
    release();
    await Promise.all([first, last]);
    expect(runs).toBe(2);
    task();
    expect(runs).toBe(3);
    release();
  });

  it("keeps working after a failed run", async () => {
    let runs = 0;
    const task = coalesce(async () => {
      runs++;
      if (runs === 1) throw new Error("boom");
    });
    await task();
    await task();
    expect(runs).toBe(2);
  });
});
