// Renders a card's Markdown the way a client might (CommonMark with raw HTML and bare-link detection on — the most
// permissive reading), so a test can see whether a user-controlled value became a link, an image or HTML.
import MarkdownIt from "markdown-it";
import type { Markdown } from "../../src/ports/notifier.js";

const markdown = new MarkdownIt({ html: true, linkify: true });

/** Test text taken as Markdown as it is (a message GreenLight would have built), for stores and senders under test. */
export const asMarkdown = (text: string): Markdown => text as Markdown;

/**
 * Card text as a person reads it: Teams renders TextBlocks and facts as Markdown, so `\_` shows as `_` (GreenLight
 * escapes every value it did not write; see src/core/views/markdown.ts).
 */
export function unescapeMarkdown(text: string): string {
  return text.replace(/\\([!-/:-@[-`{-~])/g, "$1");
}

/** The HTML of every TextBlock and FactSet text on a card (TextRuns are plain text and left out). */
export function renderedCardHtml(card: unknown): string {
  const html: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o.type === "TextBlock" && typeof o.text === "string") html.push(markdown.render(o.text));
      if (o.type === "FactSet" && Array.isArray(o.facts)) {
        for (const f of o.facts as { title: string; value: string }[]) {
          html.push(markdown.render(f.title), markdown.render(f.value));
        }
      }
      for (const x of Object.values(o)) walk(x);
    }
  };
  walk(card);
  return html.join("\n");
}

/** Links, images and HTML elements the Markdown of a card produced that a plain paragraph would not. */
export function activeMarkup(card: unknown): string[] {
  const allowed = new Set(["p", "/p", "strong", "/strong", "em", "/em", "code", "/code"]);
  return [...renderedCardHtml(card).matchAll(/<(\/?[a-z][a-z0-9]*)[^>]*>/gi)]
    .map((m) => m[0])
    .filter((tag) => !allowed.has((/^<(\/?[a-z0-9]+)/i.exec(tag)?.[1] ?? "").toLowerCase()));
}
