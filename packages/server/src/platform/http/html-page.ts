import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/** A small self-contained HTML page (the OAuth popup's pages): text, and at most one inline script. */
export interface HtmlPage {
  status: number;
  title: string;
  heading: string;
  /** Paragraphs of plain text (escaped here). */
  paragraphs: readonly string[];
  /** JavaScript run by the page; build values into it with `scriptValue`. */
  script?: string | undefined;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A value as a JavaScript literal that is safe inside a `<script>` element (no `</script>`, no line separators). */
export function scriptValue(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Sends the page with headers that keep it to itself: no caching (it may carry a one-time state),
 * no referrer (its URL may carry a token), no framing, and a CSP that runs only its own script.
 */
export function sendPage(reply: FastifyReply, page: HtmlPage): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  const script = page.script === undefined ? '' : `\n<script nonce="${nonce}">${page.script}</script>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:28rem;padding:0 1rem;color:#1f2328}h1{font-size:1.25rem}p{color:#57606a}</style>
</head><body>
<h1>${escapeHtml(page.heading)}</h1>
${page.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}${script}
</body></html>
`;
  return reply
    .status(page.status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`)
    .send(html);
}
