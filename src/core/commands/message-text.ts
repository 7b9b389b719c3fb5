/** What a chat message says once Teams' markup is taken off: its text and any code blocks. */
export interface MessageText {
  /** The words of the message, code blocks removed, whitespace collapsed. */
  text: string;
  /** Contents of fenced (```) or <pre>/<code> blocks, in order. */
  codeBlocks: string[];
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith("#x") || name.startsWith("#X")) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * Reads message text as Teams sends it: plain, Markdown, or HTML (`<p>`, `<br>`, `<pre><code>`, `&nbsp;`), with any
 * `<at>…</at>` mention of the bot already removed or still present.
 */
export function readMessageText(raw: string): MessageText {
  const codeBlocks: string[] = [];
  let s = raw.replace(/<at>[^<]*<\/at>/gi, " ");
  s = s.replace(/<pre[^>]*>([\s\S]*?)<\/pre>/gi, (_, inner: string) => {
    codeBlocks.push(decodeEntities(inner.replace(/<br\s*\/?>/gi, "\n").replace(/<[^>]+>/g, "")).trim());
    return " ";
  });
  s = s.replace(/<br\s*\/?>/gi, "\n").replace(/<\/(p|div)>/gi, "\n");
  s = s.replace(/<code[^>]*>([\s\S]*?)<\/code>/gi, (_, inner: string) => {
    const text = decodeEntities(inner.replace(/<[^>]+>/g, "")).trim();
    // Inline code that holds JSON is a payload; other inline code (`show x`) is just words.
    if (/^[[{]/.test(text)) {
      codeBlocks.push(text);
      return " ";
    }
    return ` ${text} `;
  });
  s = decodeEntities(s.replace(/<[^>]+>/g, " "));
  s = s.replace(/```[a-zA-Z]*\s*\n?([\s\S]*?)```/g, (_, inner: string) => {
    codeBlocks.push(inner.trim());
    return " ";
  });
  // Markdown inline code (the Playground sends text as typed): JSON in it is a payload, like <code> above.
  s = s.replace(/`([^`\n]+)`/g, (_, inner: string) => {
    const text = inner.trim();
    if (/^[[{]/.test(text)) {
      codeBlocks.push(text);
      return " ";
    }
    return ` ${text} `;
  });
  return { text: s.replace(/\s+/g, " ").trim(), codeBlocks };
}
