import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { escapeMarkdown } from "../../../src/core/views/markdown.js";

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
