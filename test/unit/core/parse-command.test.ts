import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../../src/core/commands/command-table.js";
import { DEFAULT_LIMITS } from "../../../src/core/commands/command-context.js";
import { readMessageText, scanMessageText } from "../../../src/core/commands/message-text.js";
import { parseCommand } from "../../../src/core/commands/parse-command.js";
import { describeError } from "../../../src/core/errors.js";
import { unescapeMarkdown } from "../../support/card-markdown.js";

const parse = (html: string, attachment?: Parameters<typeof parseCommand>[1]) =>
  parseCommand(readMessageText(html), attachment);

/** What the user reads when a message is refused. */
function refusal(html: string, attachment?: Parameters<typeof parseCommand>[1]): string {
  const result = parse(html, attachment);
  if (result.ok) throw new Error(`'${html}' was read as ${JSON.stringify(result.value)}`);
  return unescapeMarkdown(describeError(result.error));
}

const aFile = { name: "p.json", read: () => Promise.resolve({ ok: true as const, value: "{}" }) };

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

describe("reading each command's form strictly", () => {
  it.each(COMMANDS.map((c) => [c.action, c.example]))("reads help's example of %s", (action, example) => {
    const result = parse(example);

    expect(result.ok && result.value.name).toBe(action);
  });

  it("reads the forms in any case and through Teams' formatting", () => {
    expect(parse("<p><at>GreenLight</at> DEPLOY Diabetes:2 <strong>TO</strong>&nbsp;diabetes-prod</p>")).toEqual({
      ok: true,
      value: { name: "deploy", model: "Diabetes", version: "2", endpoint: "diabetes-prod" },
    });
    expect(parse("Logs diabetes-prod blue TAIL 20")).toMatchObject({ ok: true, value: { name: "logs", tail: 20 } });
    expect(parse("Samples Remove diabetes-prod old")).toMatchObject({ ok: true, value: { name: "samples.remove" } });
    expect(parse("SCORE diabetes-prod Sample typical-patient")).toMatchObject({ ok: true, value: { name: "invoke" } });
    expect(parse("<at>GreenLight</at>")).toEqual({ ok: true, value: { name: "help" } });
  });

  it("refuses `deploy` without `to`, saying so with the names typed: nothing is started on a guess", () => {
    expect(refusal("deploy diabetes:2 diabetes-prod")).toBe(
      "Write `to` before the endpoint, like `deploy diabetes:2 to diabetes-prod`; nothing was started. " +
        "Usage: `deploy <model>:<version> to <endpoint>`",
    );
  });

  it.each([
    ["deploy diabetes:2 into diabetes-prod", "Write `to` before the endpoint, like `deploy diabetes:2 to <endpoint>`"],
    ["deploy to diabetes-prod diabetes:2", "The model version comes first, then `to` and the endpoint."],
    ["deploy diabetes 2 to diabetes-prod", "as one word, `<model>:<version>` (like `diabetes:2`), not 'diabetes'."],
    ["deploy diabetes:2 to diabetes-prod now", "I didn't understand 'now' after the endpoint."],
    ["deploy diabetes:2 to", "Say which endpoint after `to`"],
    ["deploy diabetes:2", "Say which endpoint to deploy to"],
    ["show diabetes-prod blue", "I didn't understand 'blue' after the endpoint. Usage: `show <endpoint>`"],
    ["rollback diabetes-prod now", "I didn't understand 'now' after the endpoint. Usage: `rollback <endpoint>`"],
    ["status diabetes-prod blue", "I didn't understand 'blue' after the endpoint. Usage: `status [endpoint]`"],
    ["audit diabetes-prod today", "I didn't understand 'today' after the endpoint. Usage: `audit [endpoint]`"],
    ["subscribe diabetes-prod fraud-scoring", "I didn't understand 'fraud-scoring' after the endpoint."],
    ["unsubscribe diabetes-prod fraud-scoring", "Usage: `unsubscribe [endpoint]`"],
    ["samples diabetes-prod typical-patient", "I didn't understand 'typical-patient' after the endpoint."],
    ["samples add diabetes-prod x", "To store a sample, start with `sample add` (no s)."],
    ["models diabetes 2", "I didn't understand '2' after the model's name. Usage: `models [name]`"],
    ["whoami please", "I didn't understand 'please' after `whoami`. Usage: `whoami`"],
    ["subscriptions diabetes-prod", "I didn't understand 'diabetes-prod' after `subscriptions`."],
    ["help deploy", "I didn't understand 'deploy' after `help`. Usage: `help`"],
    ["delete diabetes-prod fraud-scoring", "Say which endpoint to delete (one)."],
    ["sample add diabetes-prod x y ```{}```", "I didn't understand 'y' after the sample's name."],
    ["invoke diabetes-prod blue green", "I didn't understand 'green' after the deployment."],
    ["invoke diabetes-prod sample typical-patient blue", "I didn't understand 'blue' after the sample's name."],
    ["logs diabetes-prod blue tail 20 more", "I didn't understand 'more' after the tail."],
    ["logs diabetes-prod blue tail 0x10", "After the deployment, write `tail N` with N a whole number."],
    ['show diabetes-prod ```{"a": 1}```', "`show` takes no JSON; only `invoke` and `sample add` do."],
    ['deploy diabetes:2 to diabetes-prod ```{"a": 1}```', "`deploy` takes no JSON"],
    ['invoke diabetes-prod sample typical-patient ```{"a": 1}```', "Send a stored sample or JSON, not both."],
    ['invoke diabetes-prod ```{"a": 1}``` ```{"b": 2}```', "Send one JSON code block, not several."],
    ['```{"a": 1}```', "Say what to do with that JSON: `invoke <endpoint>` or `sample add <endpoint> <name>` first."],
  ])("refuses '%s', saying what was wrong and the expected form", (message, problem) => {
    const text = refusal(message);

    expect(text).toContain(problem);
    expect(text).toMatch(/ Usage: `[a-z]+[^`]*`$/);
  });

  it("refuses a JSON code block and an attached file together", () => {
    expect(refusal('invoke diabetes-prod ```{"a": 1}```', aFile)).toContain(
      "Send the JSON one way: a code block or an attached .json file, not both.",
    );
    expect(refusal("invoke diabetes-prod sample typical-patient", aFile)).toContain("not both");
  });
});

describe("JSON typed without a code block", () => {
  it.each([
    ['invoke diabetes-prod {"input_data": [[1, 2]]}', "invoke <endpoint> [deployment]"],
    ["invoke diabetes-prod blue [[1, 2], [3, 4]]", "invoke <endpoint> [deployment]"],
    ["<p>invoke diabetes-prod {&quot;input_data&quot;: [[1]]}</p>", "invoke <endpoint> [deployment]"],
    ['invoke diabetes-prod{"input_data": [[1]]}', "invoke <endpoint> [deployment]"],
    ['sample add diabetes-prod older-patient {"input_data": [[1]]}', "sample add <endpoint> <name>"],
  ])("'%s' is refused: put the JSON in a code block or attach a file", (message, form) => {
    const text = refusal(message);

    expect(text).toContain(
      "That JSON is not in a code block, so GreenLight did not read it. Put it in a code block (```json … ```), " +
        "or attach a .json file.",
    );
    expect(text).toContain(`Usage: \`${form}`);
  });

  it("still reads a usage's brackets copied by mistake as a name, not JSON", () => {
    expect(refusal("invoke diabetes-prod [deployment]")).toContain("'[deployment]' is not a valid deployment name");
  });
});

describe("a card's button typed in chat", () => {
  const elsewhere =
    "not a command: approvals are given on the card itself, in the channel the endpoint's cards go to — the release " +
    "channel, unless `subscribe` named another. Type `status` to see what is under way.";

  it.each([
    ["approve", "`approve` is a button on a rollout's card or a deletion's card"],
    ["Approve step 2", "`approve` is a button on a rollout's card or a deletion's card"],
    ["reject diabetes-prod", "`reject` is a button on a rollout's card or a deletion's card"],
    ["retire blue", "`retire` is a button on a rollout's card,"],
    ["keep it", "`keep` is a button on a rollout's card or a deletion's card"],
    ["override the smoke test", "`override` is a button on a rollout's card,"],
    ["confirm fraud-scoring-old", "`confirm` is a button on a deletion's card,"],
    ["rollout.approve", "`approve` is a button on a rollout's card,"],
    ["aprove", "`approve` is a button"],
  ])("'%s' points to the card and the channel it is in", (message, button) => {
    const text = refusal(message);

    expect(text).toContain(button);
    expect(text).toContain(elsewhere);
    expect(text).not.toContain("I don't know the command");
  });

  it("keeps the endpoint named after the word, so its channel can be looked up", () => {
    expect(parse("approve diabetes-prod")).toMatchObject({ ok: false, error: { endpoint: "diabetes-prod" } });
    const copied = parse("Approve step 2");
    expect(!copied.ok && "endpoint" in copied.error).toBe(false);
  });
});

describe("reading Teams' message text", () => {
  // Each construct repeated to the longest message GreenLight reads. A search that starts again from each opening (an
  // unclosed `<pre>` looking for `</pre>` to the end, a thousand times) examines thousands of times the message's
  // length; one pass examines a few times it.
  it.each([
    ["an unclosed <pre>", "<pre>x"],
    ["an unclosed <PRE> in capitals", "<PRE>x"],
    ["an unclosed <code>", "<code>x"],
    ["Teams' <pre><code> left open", "<pre><code>{"],
    ["an unclosed <at> mention", "<at>x"],
    ["a tag that never ends", "<p x"],
    ["a closing tag without its >", "<pre>a</pre"],
    ["a lone <", "<"],
    ["<br without its > inside a <pre>", `<pre>${"<br".repeat(1000)}</pre>`],
    ["inline code on one line, no newline after it", "`x` "],
    ["an unclosed code fence", "```x"],
    ["an entity without its ;", "&#x1F600"],
  ])("reads %s repeated over a whole message in one pass", (_, construct) => {
    const raw = `invoke diabetes-prod ${construct.repeat(Math.ceil(DEFAULT_LIMITS.maxMessageChars / construct.length))}`;

    const { message, scanned } = scanMessageText(raw);

    expect(message.text.startsWith("invoke diabetes-prod")).toBe(true);
    expect(scanned).toBeGreaterThanOrEqual(raw.length);
    expect(scanned).toBeLessThanOrEqual(6 * raw.length);
  });
});
