/**
 * Teams renders TextBlock and FactSet text as Markdown: a display name, an audit target or an Azure description must
 * read as the characters they are, never as a link, an image, HTML or a fake heading. Every view model passes text it
 * did not write itself through here. (RichTextBlock TextRuns are not Markdown; log and response text go there as is.)
 */
export function escapeMarkdown(text: string): string {
  return (
    text
      // One line: a newline would let a value start a heading or a list of its own.
      .replace(/[\r\n\u2028\u2029]+/g, " ")
      // CommonMark's backslash escapes; ':', '.' and '@' too, so no bare https://…, www.… or e-mail becomes a link.
      .replace(/[\\`*_[\]()<>#!|~&:{}=+.@]/g, "\\$&")
      // A list item at the start ("- x"; "1. x" is already broken by its escaped '.').
      .replace(/^(\s*)-/, "$1\\-")
  );
}

/** A list of values for a sentence: each escaped, joined with ", ". */
export const escapedList = (items: readonly string[]): string => items.map(escapeMarkdown).join(", ");

/** Markdown written by GreenLight as plain text, for places Teams shows unformatted (a click's banner, a preview). */
export function markdownToPlain(text: string): string {
  return text.replace(/\\([!-/:-@[-`{-~])/g, "$1").replace(/`([^`]*)`/g, "$1");
}
