import { describe, expect, it } from "vitest";
import { readMessageText } from "../../../src/core/commands/message-text.js";
import { parseCommand } from "../../../src/core/commands/parse-command.js";

const parse = (html: string, attachment?: Parameters<typeof parseCommand>[1]) =>
  parseCommand(readMessageText(html), attachment);

describe("parsing chat text into commands", () => {
  it("reads commands case-insensitively and tolerates extra spaces", () => {
    expect(parse("  ENDPOINTS    diabetes ")).toEqual({
      ok: true,
      value: { name: "endpoints", page: 1, filter: "diabetes" },
    });
    expect(parse("Show   diabetes-prod")).toEqual({ ok: true, value: { name: "show", endpoint: "diabetes-prod" } });
  });

  it("strips Teams' mention and HTML", () => {
    expect(parse("<at>GreenLight</at> <p>show&nbsp;diabetes-prod</p>")).toEqual({
      ok: true,
      value: { name: "show", endpoint: "diabetes-prod" },
    });
  });

  it("takes an invoke's payload from a fenced code block", () => {
    const result = parse('invoke diabetes-prod blue\n```json\n{"input_data": [[1,2]]}\n```');
    expect(result).toEqual({
      ok: true,
      value: {
        name: "invoke",
        endpoint: "diabetes-prod",
        deployment: "blue",
        payload: { kind: "inline", text: '{"input_data": [[1,2]]}' },
      },
    });
  });

  it("takes a payload from Teams' <pre><code> HTML, decoding entities", () => {
    const result = parse("invoke diabetes-prod<pre><code>{&quot;data&quot;: [[1]]}</code></pre>");
    expect(result.ok && result.value.name === "invoke" && result.value.payload).toEqual({
      kind: "inline",
      text: '{"data": [[1]]}',
    });
  });

  it("names a stored sample with `sample <name>`", () => {
    expect(parse("invoke diabetes-prod sample typical-patient")).toEqual({
      ok: true,
      value: { name: "invoke", endpoint: "diabetes-prod", payload: { kind: "sample", name: "typical-patient" } },
    });
  });

  it("asks for the sample name when `sample` ends the command", () => {
    const result = parse("invoke diabetes-prod sample");
    expect(result).toMatchObject({ ok: false, error: { code: "usage", command: "invoke" } });
  });

  it("takes an attached file as the payload without reading it (it is read after the policy check)", () => {
    let reads = 0;
    const file = {
      name: "p.json",
      read: () => {
        reads += 1;
        return Promise.resolve({ ok: true as const, value: "{}" });
      },
    };
    expect(parse("sample add diabetes-prod from-file", file)).toEqual({
      ok: true,
      value: {
        name: "sample.add",
        endpoint: "diabetes-prod",
        sample: "from-file",
        payload: { kind: "attachment", file },
      },
    });
    expect(parse("invoke diabetes-prod", file)).toMatchObject({ ok: true, value: { payload: { kind: "attachment" } } });
    expect(reads).toBe(0);
  });

  it("refuses an endpoint name that is not one, without echoing all of it", () => {
    const long = "a".repeat(20_000);
    const result = parse(`show ${long}`);
    expect(result).toMatchObject({ ok: false, error: { code: "usage", command: "show" } });
    const problem = !result.ok && result.error.code === "usage" ? result.error.problem : "";
    expect(problem).toContain("is not a valid endpoint name");
    expect(problem.length).toBeLessThan(200);
    expect(parse("logs diabetes-prod ../etc")).toMatchObject({ ok: false, error: { code: "usage", command: "logs" } });
    expect(parse("invoke diabetes-prod sample a/b")).toMatchObject({ ok: false, error: { code: "usage" } });
  });

  it("reads `logs <endpoint> <deployment> tail N` and refuses a tail that is not a number", () => {
    expect(parse("logs diabetes-prod blue tail 20")).toEqual({
      ok: true,
      value: { name: "logs", endpoint: "diabetes-prod", deployment: "blue", tail: 20 },
    });
    expect(parse("logs diabetes-prod blue tail lots")).toMatchObject({
      ok: false,
      error: { code: "usage", command: "logs" },
    });
    expect(parse("logs diabetes-prod")).toMatchObject({ ok: false, error: { code: "usage" } });
  });

  it("suggests the closest command for a typo", () => {
    expect(parse("endpoint")).toEqual({
      ok: false,
      error: { code: "unknown_command", input: "endpoint", suggestion: "endpoints" },
    });
    expect(parse("deploy-everything-now")).toMatchObject({ ok: false, error: { code: "unknown_command" } });
  });

  it("refuses a sample name with characters a name cannot have", () => {
    expect(parse("sample add diabetes-prod ../etc ```{}```")).toMatchObject({
      ok: false,
      error: { code: "usage", command: "sample.add" },
    });
  });
});
