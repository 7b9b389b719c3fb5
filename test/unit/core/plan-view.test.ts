import { describe, expect, it } from "vitest";
import type { EndpointView } from "../../../src/ports/workspace.js";
import { planView } from "../../../src/core/rollout/plan-view.js";
import { unescapeMarkdown } from "../../support/card-markdown.js";

const anEndpoint = (over: Partial<EndpointView> = {}): EndpointView => ({
  name: "diabetes-prod",
  state: "Succeeded",
  authMode: "Key",
  computeType: "Managed",
  traffic: { blue: 100 },
  mirrorTraffic: {},
  tags: {},
  deployments: [],
  ...over,
});

const DEFAULTS = { bakeMs: 600_000, minRequests: 50 };
const GATE_FACTS = {
  Bake: "10 min (default)",
  "Failed requests": "new at most live + 1 pt, or 2 % when that is higher (default)",
  "p95 latency": "new at most 1.5 × live + 20 ms (default)",
  "Evidence needed": "50 requests to the new deployment in the window before a gate passes or breaches (default)",
};

/** The card as a reader sees it: its facts by title, and its warning. */
function shown(endpoint: EndpointView) {
  const view = planView(endpoint, DEFAULTS);
  return {
    summary: unescapeMarkdown(view.summary),
    facts: Object.fromEntries(view.facts.map((f) => [f.title, unescapeMarkdown(f.value)])),
    problem: unescapeMarkdown(view.problem),
  };
}

describe("the plan card", () => {
  it("shows the default plan's steps between the live deployment and green when the endpoint has no plan tag", () => {
    expect(shown(anEndpoint())).toEqual({
      summary:
        "The new version goes in green beside blue; after each step it bakes while the gates watch it, then the " +
        "next step waits for an approver. A breach puts the starting traffic back at once.",
      facts: {
        Plan: "default (no greenlight-plan tag)",
        "Step 1": "blue 90 / green 10",
        "Step 2": "blue 10 / green 90",
        "Step 3": "green 100",
        ...GATE_FACTS,
      },
      problem: "",
    });
  });

  it("follows the endpoint's greenlight-plan tag, with the slot deploy would pick beside the live deployment", () => {
    const card = shown(anEndpoint({ traffic: { green: 100, blue: 0 }, tags: { "greenlight-plan": "25,50,100" } }));
    expect(card.summary).toContain("The new version goes in blue beside green");
    expect(card.facts).toEqual({
      Plan: "greenlight-plan tag: 25,50,100",
      "Step 1": "blue 25 / green 75",
      "Step 2": "blue 50 / green 50",
      "Step 3": "blue 100",
      ...GATE_FACTS,
    });
  });

  it("shows a mirror step, and the bake and gates the endpoint's tags give, saying what is default", () => {
    const card = shown(
      anEndpoint({
        tags: {
          "greenlight-plan": "mirror 20, 10, 100",
          "greenlight-bake": "15m",
          "greenlight-gates": "failed-max=5%, min-requests=200",
        },
      }),
    );
    expect(card.facts).toMatchObject({
      "Step 1": "mirror 20 % to green (blue 100)",
      "Step 2": "blue 90 / green 10",
      "Step 3": "green 100",
      Bake: "15 min (tag greenlight-bake)",
      "Failed requests":
        "new at most live + 1 pt, or 5 % when that is higher (tag greenlight-gates; failed-points default)",
      "Evidence needed":
        "200 requests to the new deployment in the window before a gate passes or breaches (tag greenlight-gates)",
    });
    expect(card.problem).toBe("");
    expect(shown(anEndpoint({ tags: { "greenlight-bake": "forever" } })).problem).toMatch(
      /^Deploy would be refused: tag greenlight-bake is 'forever'/,
    );
  });

  it("says what is wrong with a malformed tag, and that deploy would be refused, without inventing steps", () => {
    const card = shown(anEndpoint({ tags: { "greenlight-plan": "50,10" } }));
    expect(card.facts).toEqual({ Plan: "greenlight-plan tag: 50,10", ...GATE_FACTS });
    expect(card.problem).toMatch(/^Deploy would be refused: tag greenlight-plan is '50,10'; it must list .* rising/);
  });

  it("says deploy would be refused on a split endpoint, still showing the shares per step", () => {
    const card = shown(anEndpoint({ traffic: { blue: 80, green: 20 } }));
    expect(card.problem).toContain("Deploy would be refused: diabetes-prod's traffic is split (blue 80%, green 20%)");
    expect(card.facts["Step 1"]).toBe("live 90 / new 10");
  });

  it("escapes a tag's text, as anyone who may tag the endpoint in Azure wrote it", () => {
    const view = planView(anEndpoint({ tags: { "greenlight-plan": "[x](https://evil.example)" } }), DEFAULTS);
    expect(view.facts[0]?.value).not.toContain("](");
    expect(view.problem).not.toContain("](");
  });
});
