import type { FastifyReply } from 'fastify';
import { escapeHtml } from '../../platform/http/html-page.ts';

/** The sign-in form: plain HTML that works without JavaScript. */
export function sendLoginPage(reply: FastifyReply, options: { status: number; error?: string; email?: string; next?: string }): FastifyReply {
  const error = options.error ? `<p class="error" role="alert" id="signin-error">${escapeHtml(options.error)}</p>` : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Portico</title>
<link rel="stylesheet" href="/dashboard/assets/app.css">
</head><body class="signin">
<main class="signin-card">
<h1>Portico</h1>
<p class="muted">Sign in to the dashboard</p>
${error}
<form method="post" action="/dashboard/login">
<input type="hidden" name="next" value="${escapeHtml(options.next ?? '/dashboard')}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(options.email ?? '')}"${options.email ? '' : ' autofocus'}${options.error ? ' aria-describedby="signin-error"' : ''}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${options.email ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>
</main>
</body></html>
`;
  return reply
    .status(options.status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'same-origin')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', DASHBOARD_CSP)
    .send(html);
}

/** Only the dashboard's own files run; nothing loads from elsewhere; nobody frames it. */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
