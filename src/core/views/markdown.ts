import type { Markdown } from "../../ports/notifier.js";

/**
 * Teams renders TextBlock and FactSet text as Markdown: a display name, an audit target or an Azure description must
 * read as the characters they are, never as a link, an image, HTML or a fake heading. Every view model passes text it
 * did not write itself through here. (RichTextBlock TextRuns are not Markdown; log and response text go there as is.)
 */
export function escapeMarkdown(text: string): Markdown {
  return (
    text
      // One line: a newline would let a value start a heading or a list of its own.
      .replace(/[\r\n\u2028\u2029]+/g, " ")
      // CommonMark's backslash escapes; ':', '.' and '@' too, so no bare https://…, www.… or e-mail becomes a link.
      .replace(/[\\`*_[\]()<>#!|~&:{}=+.@]/g, "\\$&")
      // A list item at the start ("- x"; "1. x" is already broken by its escaped '.').
      .replace(/^(\s*)-/, "$1\\-") as Markdown
  );
}

/** A list of values for a sentence: each escaped, joined with ", ". */
export const escapedList = (items: readonly string[]): Markdown => items.map(escapeMarkdown).join(", ") as Markdown;

const TRUSTED = Symbol("markdown written by GreenLight");

/** Markdown GreenLight already built (escaped when it was made), to put into a `msg` template as it is. */
export interface Trusted {
  readonly [TRUSTED]: string;
}

/** Marks Markdown built elsewhere (by `msg`, `describeError` or a view) so that `msg` does not escape it. */
export const trusted = (text: Markdown): Trusted => ({ [TRUSTED]: text });

/**
 * The one way to write a message: GreenLight's own words are the template, every value put into it is escaped (numbers
 * are safe), and Markdown built before goes in through `trusted(…)` without being escaped again. (Not named `markdown`:
 * Prettier would reformat a template of that name as Markdown.)
 *
 *   msg`Your rollout of ${model} to ${endpoint} is complete.${trusted(why)}`
 */
export function msg(strings: TemplateStringsArray, ...values: (string | number | Trusted)[]): Markdown {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out +=
      typeof value === "object" ? value[TRUSTED] : typeof value === "number" ? String(value) : escapeMarkdown(value);
    out += strings[i + 1] ?? "";
  });
  return out as Markdown;
}

/** Markdown written by GreenLight as plain text, for places Teams shows unformatted (a click's banner, a preview). */
export function markdownToPlain(text: string): string {
  return text.replace(/\\([!-/:-@[-`{-~])/g, "$1").replace(/`([^`]*)`/g, "$1");
}

/** Pieces of Markdown joined by GreenLight's own separator, to put into a `msg` template as they are. */
export const joined = (items: readonly Markdown[], separator: string): Trusted =>
  trusted(items.join(separator) as Markdown);

/** A command to type, as inline code (its words are GreenLight's own and validated names, which need no escape). */
export const code = (text: string): Trusted => trusted(`\`${text.replace(/`/g, "'")}\`` as Markdown);
