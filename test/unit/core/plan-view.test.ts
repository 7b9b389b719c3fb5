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

/** The card as a reader sees it: its facts by title, and its warning. */
function shown(endpoint: EndpointView) {
  const view = planView(endpoint);
  return {
    summary: unescapeMarkdown(view.summary),
    facts: Object.fromEntries(view.facts.map((f) => [f.title, unescapeMarkdown(f.value)])),
    problem: unescapeMarkdown(view.problem),
  };
}

describe("the plan card", () => {
  it("shows the default plan's steps between the live deployment and green when the endpoint has no plan tag", () => {
    expect(shown(anEndpoint())).toEqual({
      summary: "The new version goes in green beside blue; each step below waits for an approver.",
      facts: {
        Plan: "default (no greenlight-plan tag)",
        "Step 1": "blue 90 / green 10",
        "Step 2": "blue 10 / green 90",
        "Step 3": "green 100",
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
    });
  });

  it("says what is wrong with a malformed tag, and that deploy would be refused, without inventing steps", () => {
    const card = shown(anEndpoint({ tags: { "greenlight-plan": "50,10" } }));
    expect(card.facts).toEqual({ Plan: "greenlight-plan tag: 50,10" });
    expect(card.problem).toMatch(/^Deploy would be refused: tag greenlight-plan is '50,10'; it must list .* rising/);
  });

  it("says deploy would be refused on a split endpoint, still showing the shares per step", () => {
    const card = shown(anEndpoint({ traffic: { blue: 80, green: 20 } }));
    expect(card.problem).toContain("Deploy would be refused: diabetes-prod's traffic is split (blue 80%, green 20%)");
    expect(card.facts["Step 1"]).toBe("live 90 / new 10");
  });

  it("escapes a tag's text, as anyone who may tag the endpoint in Azure wrote it", () => {
    const view = planView(anEndpoint({ tags: { "greenlight-plan": "[x](https://evil.example)" } }));
    expect(view.facts[0]?.value).not.toContain("](");
    expect(view.problem).not.toContain("](");
  });
});
