const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** The one escape for every user-provided value that goes into an HTML message. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"]/g, (ch) => HTML_ESCAPES[ch]!);
}
