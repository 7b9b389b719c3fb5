import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { deletionCardView } from "../../../src/core/deletion/deletion-card.js";
import { rolloutCardView } from "../../../src/core/rollout/rollout-card.js";
import { escapeMarkdown } from "../../../src/core/views/markdown.js";
import { CardRenderer } from "../../../src/teams/cards/render-card.js";
import { aDeletion } from "../../support/a-deletion.js";
import { aRollout, ROLLOUT_T0 } from "../../support/a-rollout.js";
import { activeMarkup, unescapeMarkdown } from "../../support/card-markdown.js";
import { viewerWith } from "../../support/viewer.js";

const render = (text: string): string => new MarkdownIt({ html: true, linkify: true }).render(text);

describe("escaping Markdown", () => {
  it.each([
    "[Approve rollout](https://evil.example/approve)",
    "![pixel](https://evil.example/p.png)",
    "<img src=x onerror=alert(1)>",
    "https://evil.example/looks-official",
    "www.evil.com and mail@evil.com",
    "# Approved by Megan",
    "- step 3 approved",
    "1. approved",
    "**bold** _italic_ `code` ~~gone~~",
    "line one\n\n# heading on line two",
    "a | table | row",
  ])("renders %j as its own characters, in one paragraph", (text) => {
    const html = render(escapeMarkdown(text));
    expect(html).not.toMatch(/<(a|img|h\d|li|ul|ol|strong|em|code|s|del|table)\b/);
    const shown = html
      .replace(/^<p>|<\/p>\n$/g, "")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&")
      .replace(/&quot;/g, '"');
    expect(shown).toBe(text.replace(/\n+/g, " "));
  });

  it("leaves names Azure allows unchanged", () => {
    for (const name of ["diabetes-prod", "blue", "diabetes"]) expect(escapeMarkdown(name)).toBe(name);
  });
});

describe("every user- or Azure-controlled value on the rollout and deletion cards", () => {
  const hostile = "**x** [Approve](https://evil.example) <img src=x> www.evil.example";
  const renderer = new CardRenderer();

  it("reads as its own characters on a rollout card: names, override reason, timeline, ending, state line", () => {
    const by = { id: "29:h", name: hostile, aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e09" };
    const rollout = aRollout({
      phase: "paused",
      requestedBy: by,
      model: { name: "x__bold__y", version: "www.evil.example" },
      liveModel: hostile,
      override: { by, reason: hostile, at: ROLLOUT_T0 },
      ending: { reason: hostile, detail: hostile },
      trafficSeen: { traffic: { blue: 70, green: 30 }, at: ROLLOUT_T0 },
      timeline: [{ at: ROLLOUT_T0, what: hostile, by }],
    });
    for (const view of [
      rolloutCardView(rollout),
      rolloutCardView(rollout, viewerWith(by, "approver", "operator"), {
        refusal: { code: "cannot_resume", endpoint: "diabetes-prod", problem: hostile },
        typed: { reason: hostile },
      }),
    ]) {
      const card = renderer.render("rollout", view);
      expect(activeMarkup(card)).toEqual([]);
      expect(unescapeMarkdown(view.title)).toBe("Rollout of x__bold__y:www.evil.example to diabetes-prod");
    }
  });

  it("reads as its own characters on a deletion card", () => {
    const by = { id: "29:h", name: hostile };
    const deletion = aDeletion({
      requestedBy: by,
      preview: {
        scoringUri: hostile,
        traffic: { blue: 100 },
        deployments: [{ name: "blue", model: hostile, state: hostile, instances: hostile }],
      },
      ending: { reason: hostile },
      timeline: [{ at: ROLLOUT_T0, what: hostile, by }],
    });
    expect(activeMarkup(renderer.render("deletion", deletionCardView(deletion)))).toEqual([]);
  });
});
