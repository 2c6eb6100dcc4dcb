/** Telegram HTML → terminal text: bold/italic/underline become ANSI styles, other tags drop, entities decode. */
const STYLES: Record<string, [string, string]> = {
  b: ["\x1b[1m", "\x1b[22m"],
  strong: ["\x1b[1m", "\x1b[22m"],
  i: ["\x1b[3m", "\x1b[23m"],
  em: ["\x1b[3m", "\x1b[23m"],
  u: ["\x1b[4m", "\x1b[24m"],
  ins: ["\x1b[4m", "\x1b[24m"],
  code: ["\x1b[36m", "\x1b[39m"],
  pre: ["\x1b[36m", "\x1b[39m"],
};

export function htmlToTerminal(html: string, color = true): string {
  return html
    .replace(/<(\/?)([a-z-]+)[^>]*>/g, (_tag, closing: string, name: string) => {
      const style = STYLES[name];
      return style && color ? style[closing ? 1 : 0] : "";
    })
    .replace(/&(lt|gt|quot|amp|#\d+|#x[0-9a-f]+);/gi, (_m, entity: string) => {
      const named: Record<string, string> = { lt: "<", gt: ">", quot: '"', amp: "&" };
      if (named[entity.toLowerCase()]) return named[entity.toLowerCase()]!;
      const code =
        entity.startsWith("#x") || entity.startsWith("#X")
          ? parseInt(entity.slice(2), 16)
          : parseInt(entity.slice(1), 10);
      return String.fromCodePoint(code);
    });
}
