import { describe, expect, it } from "vitest";
import { gateWindow } from "../../../../src/core/evidence/window.js";

const t = (hhmmss: string): Date => new Date(`2026-12-02T${hhmmss}Z`);
const MIN = 60_000;

describe("the gate window", () => {
  it("starts at the first whole minute after the traffic changed and ends at the last minute older than the delay", () => {
    expect(gateWindow(t("10:40:30"), t("10:53:30"), 3 * MIN)).toEqual({
      from: t("10:41:00"),
      to: t("10:50:00"),
      minutes: 9,
    });
  });

  it("keeps the minute that starts exactly when the traffic changed", () => {
    expect(gateWindow(t("10:41:00"), t("10:45:00"), 0)?.from).toEqual(t("10:41:00"));
  });

  it("leaves out a minute that ended less than the delay ago", () => {
    // 10:49 ended at 10:50:00, 2 min 59 s before now: still inside a 3-minute delay.
    expect(gateWindow(t("10:41:00"), t("10:52:59"), 3 * MIN)?.to).toEqual(t("10:49:00"));
    expect(gateWindow(t("10:41:00"), t("10:53:00"), 3 * MIN)?.to).toEqual(t("10:50:00"));
  });

  it("is undefined while no whole minute has settled", () => {
    // 10:41 ends at 10:42: with a 3-minute delay it is read from 10:45 on.
    expect(gateWindow(t("10:40:30"), t("10:44:59"), 3 * MIN)).toBeUndefined();
    expect(gateWindow(t("10:40:30"), t("10:41:50"), 0)).toBeUndefined();
    expect(gateWindow(t("10:40:30"), t("10:45:00"), 3 * MIN)).toEqual({
      from: t("10:41:00"),
      to: t("10:42:00"),
      minutes: 1,
    });
  });
});
