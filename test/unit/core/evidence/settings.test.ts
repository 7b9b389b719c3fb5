import { describe, expect, it } from "vitest";
import { parseBake } from "../../../../src/core/evidence/bake.js";
import { settingsFacts } from "../../../../src/core/evidence/evidence-view.js";
import { DEFAULT_THRESHOLDS, parseGates } from "../../../../src/core/evidence/gate-settings.js";
import { evidenceSettings, settingsProblems } from "../../../../src/core/evidence/settings.js";
import { unescapeMarkdown } from "../../../support/card-markdown.js";

const problemOf = (parsed: { ok: true } | { ok: false; problem: string }): string => (parsed.ok ? "" : parsed.problem);

describe("the greenlight-gates tag", () => {
  it("reads every setting, with units or without", () => {
    expect(parseGates("failed-points=0.5, failed-max=3%, p95-ratio=1.2x, p95-ms=50ms, min-requests=200")).toEqual({
      ok: true,
      thresholds: { failedPoints: 0.5, failedMaxPercent: 3, p95Ratio: 1.2, p95Ms: 50, minRequests: 200 },
      fromTag: ["failed-points", "failed-max", "p95-ratio", "p95-ms", "min-requests"],
    });
  });

  it("takes the default for each setting left out, and tolerates spaces, semicolons and capitals", () => {
    expect(parseGates(" P95-MS = 50 ;min-requests=100 ")).toEqual({
      ok: true,
      thresholds: { ...DEFAULT_THRESHOLDS, p95Ms: 50, minRequests: 100 },
      fromTag: ["p95-ms", "min-requests"],
    });
  });

  it("gives the defaults when the tag is absent or empty", () => {
    const defaults = { ok: true, thresholds: { ...DEFAULT_THRESHOLDS }, fromTag: [] };
    expect(parseGates(undefined)).toEqual(defaults);
    expect(parseGates("  ")).toEqual(defaults);
    expect(DEFAULT_THRESHOLDS).toEqual({
      failedPoints: 1,
      failedMaxPercent: 2,
      p95Ratio: 1.5,
      p95Ms: 20,
      minRequests: 50,
    });
  });

  it.each([
    ["p95-ms", "'p95-ms' is not name=value; write name=value pairs separated by commas"],
    [
      "latency=20",
      "'latency' is not a gate setting; the settings are failed-points, failed-max, p95-ratio, p95-ms, min-requests",
    ],
    ["p95-ms=20,p95-ms=30", "p95-ms is set twice"],
    ["p95-ratio=fast", "p95-ratio must be a number in 1–100, not 'fast'"],
    ["p95-ms=20s", "p95-ms must be a number in 0–60000 ms, not '20s'"],
    ["min-requests=2.5", "min-requests must be a number in 1–100000, whole, not '2.5'"],
    ["a=b=c", "'a=b=c' is not name=value; write name=value pairs separated by commas"],
  ])("refuses a malformed tag '%s', saying what is wrong and giving an example", (tag, why) => {
    expect(problemOf(parseGates(tag))).toBe(
      `tag greenlight-gates is '${tag}': ${why} (e.g. failed-points=1, failed-max=2%, p95-ratio=1.5, p95-ms=20, min-requests=50)`,
    );
  });

  it.each([
    ["min-requests=0", "min-requests must be a number in 1–100000, whole"],
    ["min-requests=100001", "min-requests must be a number in 1–100000, whole"],
    ["failed-max=101%", "failed-max must be a number in 0–100 %"],
    ["failed-points=150", "failed-points must be a number in 0–100 points"],
    ["p95-ratio=0.5", "p95-ratio must be a number in 1–100"],
    ["p95-ratio=101", "p95-ratio must be a number in 1–100"],
    ["p95-ms=-5", "p95-ms must be a number in 0–60000 ms"],
  ])("refuses %s as out of range", (tag, why) => {
    expect(problemOf(parseGates(tag))).toContain(why);
  });

  it("refuses a value longer than a tag holds, quoting only its start", () => {
    const huge = `p95-ms=20,${"x".repeat(100_000)}`;
    const problem = problemOf(parseGates(huge));
    expect(problem).toContain("it has 100010 characters; a tag value holds 256");
    expect(problem.length).toBeLessThan(300);
  });

  it("quotes a tag's start on one line", () => {
    expect(problemOf(parseGates("p95-ms=20\nsomething=1"))).toContain("is 'p95-ms=20 something=1'");
  });
});

describe("the greenlight-bake tag", () => {
  it.each([
    ["10m", 600],
    ["90s", 90],
    ["1h", 3600],
    ["1h30m", 5400],
    ["1h 30m", 5400],
    ["2min", 120],
    ["600", 600],
    ["0", 0],
    ["24h", 86_400],
    [" 10M ", 600],
  ])("reads %s as %i seconds", (tag, seconds) => {
    expect(parseBake(tag, 300)).toEqual({ ok: true, seconds });
  });

  it("takes the default when the tag is absent or empty", () => {
    expect(parseBake(undefined, 300)).toEqual({ ok: true, seconds: 300 });
    expect(parseBake("", 300)).toEqual({ ok: true, seconds: 300 });
  });

  it.each(["25h", "86401", "ten minutes", "10 m s", "30m1h", "5m5m", "-1", "1.5h", "9".repeat(500)])(
    "refuses '%s', saying what it must be",
    (tag) => {
      const problem = problemOf(parseBake(tag, 300));
      expect(problem).toMatch(/^tag greenlight-bake is '.{1,61}'; it must be a duration of at most 24h, such as 10m/);
      expect(problem).toContain("(a plain number is seconds; 0 means no bake)");
    },
  );
});

describe("the settings an endpoint's rollouts would follow", () => {
  const shown = (tags: Record<string, string>) =>
    Object.fromEntries(
      settingsFacts(evidenceSettings(tags, { bakeSeconds: 600 })).map((f) => [f.title, unescapeMarkdown(f.value)]),
    );

  it("says each comes from the default when the endpoint has no tags", () => {
    expect(shown({})).toEqual({
      Bake: "10 min (default)",
      "Failed requests": "new at most live + 1 pt, or 2 % when that is higher (default)",
      "p95 latency": "new at most 1.5 × live + 20 ms (default)",
      "Evidence needed": "50 requests to the new deployment in the window before a gate passes or breaches (default)",
    });
  });

  it("says which come from the tags, and which of a gate's settings the tag left to the default", () => {
    expect(
      shown({ "greenlight-bake": "90s", "greenlight-gates": "failed-points=0.5, p95-ratio=2, p95-ms=10" }),
    ).toEqual({
      Bake: "1 min 30 s (tag greenlight-bake)",
      "Failed requests":
        "new at most live + 0.5 pt, or 2 % when that is higher (tag greenlight-gates; failed-max default)",
      "p95 latency": "new at most 2 × live + 10 ms (tag greenlight-gates)",
      "Evidence needed": "50 requests to the new deployment in the window before a gate passes or breaches (default)",
    });
    expect(shown({ "greenlight-bake": "0" }).Bake).toBe("none (tag greenlight-bake)");
  });

  it("shows a malformed tag as it is and gives the problems a rollout would be refused with", () => {
    const settings = evidenceSettings(
      { "greenlight-bake": "soon", "greenlight-gates": "p95=[x](https://evil.example)" },
      {
        bakeSeconds: 600,
      },
    );
    expect(settingsProblems(settings)).toEqual([
      "tag greenlight-bake is 'soon'; it must be a duration of at most 24h, such as 10m, 90s, 1h or 1h30m (a plain number is seconds; 0 means no bake)",
      "tag greenlight-gates is 'p95=[x](https://evil.example)': 'p95' is not a gate setting; the settings are failed-points, failed-max, p95-ratio, p95-ms, min-requests (e.g. failed-points=1, failed-max=2%, p95-ratio=1.5, p95-ms=20, min-requests=50)",
    ]);
    const facts = settingsFacts(settings);
    expect(facts.map((f) => [f.title, unescapeMarkdown(f.value)])).toEqual([
      ["Bake", "greenlight-bake tag: soon (not valid)"],
      ["Gates", "greenlight-gates tag: p95=[x](https://evil.example) (not valid)"],
    ]);
    expect(facts[1]?.value).not.toContain("](");
  });

  it("has no problems when the tags are good or absent", () => {
    expect(settingsProblems(evidenceSettings({ "greenlight-gates": "min-requests=20" }, { bakeSeconds: 0 }))).toEqual(
      [],
    );
  });
});
