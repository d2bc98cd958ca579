import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../domain/context.ts';
import { listProjects } from '../../domain/projects/index.ts';
import { STAFF_SESSION_COOKIE, STAFF_SESSION_TTL_MS, signIn, signOut, staffSessionOf, type StaffSession } from '../../domain/staff/index.ts';
import { AppError } from '../../platform/errors.ts';
import { readCookie, serializeCookie } from '../../platform/http/cookies.ts';
import { dashboardAsset } from './assets.ts';
import { DASHBOARD_CSP, sendLoginPage } from './login-page.ts';

const SessionView = Type.Object(
  {
    email: Type.String(),
    role: Type.Union([Type.Literal('admin'), Type.Literal('viewer')]),
    csrfToken: Type.String({ description: 'Send it back in the x-csrf-token header with every change' }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'StaffSessionView', description: 'The signed-in staff member' },
);
const ProjectSummary = Type.Object({ id: Type.String(), name: Type.String(), plan: Type.String() }, { $id: 'DashboardProject' });
const ProjectList = Type.Object({ data: Type.Array(ProjectSummary) }, { description: 'Every project (staff see them all)' });
const SigninForm = Type.Object({ email: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 1024 }), next: Type.Optional(Type.String({ maxLength: 2048 })) });

declare module 'fastify' {
  interface FastifyRequest {
    staffSession: StaffSession | null;
  }
}

/** A `next` that stays inside the dashboard (no open redirect). */
const safeNext = (next: string | undefined) => (next && /^\/dashboard(\/[\w\-./%]*)?$/.test(next) && !next.includes('//') ? next : '/dashboard');

/**
 * The dashboard: sign-in, sign-out, the signed-in staff member, the project list, and the browser
 * app's files. Its data comes from the Admin API, which accepts the session cookie (api/admin/caller.ts).
 */
export function dashboardApi(ctx: AppContext) {
  const secure = ctx.config.publicUrl.startsWith('https:');
  const cookie = (value: string, maxAgeSeconds: number) => serializeCookie(STAFF_SESSION_COOKIE, value, { path: '/', maxAgeSeconds, httpOnly: true, secure, sameSite: 'Lax' });
  const sessionOf = (request: FastifyRequest) => staffSessionOf(ctx.store.db, readCookie(request.headers.cookie, STAFF_SESSION_COOKIE));

  return async (scope: FastifyInstance): Promise<void> => {
    scope.decorateRequest('staffSession', null);
    // The sign-in and sign-out forms post urlencoded bodies.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    scope.get('/dashboard/login', { schema: { hide: true } }, async (request, reply) => {
      if (await sessionOf(request)) return reply.redirect('/dashboard', 303);
      const next = (request.query as { next?: string }).next;
      return sendLoginPage(reply, { status: 200, next: safeNext(next) });
    });

    scope.post('/dashboard/login', { schema: { hide: true, body: SigninForm } }, async (request, reply) => {
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== new URL(ctx.config.publicUrl).origin && origin !== `${request.protocol}://${request.host}`) {
        return sendLoginPage(reply, { status: 403, error: 'This sign-in did not come from the dashboard\'s own page.' });
      }
      const { email, password, next } = request.body as { email: string; password: string; next?: string };
      const result = await signIn(ctx.store.db, email, password);
      if (!result.ok) {
        request.log.info({ outcome: result.reason }, 'dashboard sign-in refused');
        const error = result.reason === 'locked'
          ? `This account is locked after too many failed sign-ins. Try again after ${result.lockedUntil.slice(11, 16)} UTC.`
          : 'Wrong email or password.';
        return sendLoginPage(reply, { status: result.reason === 'locked' ? 423 : 401, error, email, next: safeNext(next) });
      }
      return reply.header('set-cookie', cookie(result.token, STAFF_SESSION_TTL_MS / 1000)).redirect(safeNext(next), 303);
    });

    scope.post('/dashboard/logout', { schema: { hide: true } }, async (request, reply) => {
      const session = await sessionOf(request);
      const sent = (request.body as { csrf?: string } | undefined)?.csrf ?? request.headers['x-csrf-token'];
      if (session && sent !== session.csrfToken) throw AppError.from('CSRF_TOKEN_INVALID');
      await signOut(ctx.store.db, readCookie(request.headers.cookie, STAFF_SESSION_COOKIE));
      return reply.header('set-cookie', cookie('', 0)).redirect('/dashboard/login', 303);
    });

    scope.get('/dashboard/api/session', {
      schema: { tags: ['Dashboard'], summary: 'The signed-in staff member and the CSRF token for changes (dashboard session cookie)', response: { 200: SessionView } },
    }, async (request) => {
      const session = await sessionOf(request);
      if (!session) throw AppError.from('STAFF_SESSION_MISSING');
      return { email: session.email, role: session.role, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
    });

    scope.get('/dashboard/api/projects', {
      schema: { tags: ['Dashboard'], summary: 'Every project, for the dashboard\'s project list (dashboard session cookie)', response: { 200: ProjectList } },
    }, async (request) => {
      if (!(await sessionOf(request))) throw AppError.from('STAFF_SESSION_MISSING');
      return { data: (await listProjects(ctx.store)).map((p) => ({ id: p.id, name: p.name, plan: p.plan })) };
    });

    scope.get('/dashboard/assets/:file', { schema: { hide: true } }, async (request, reply) => {
      const asset = dashboardAsset((request.params as { file: string }).file);
      if (!asset) throw AppError.from('ROUTE_NOT_FOUND', 'No such dashboard file.');
      reply.header('content-type', asset.type).header('etag', asset.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
      if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
      return reply.send(asset.body);
    });

    // Every page of the app is the same shell; the browser app draws the page for the path.
    const shell = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!(await sessionOf(request))) return reply.redirect(`/dashboard/login?next=${encodeURIComponent(request.url.split('?')[0]!)}`, 303);
      const asset = dashboardAsset('index.html');
      if (!asset) throw AppError.from('ROUTE_NOT_FOUND', 'The dashboard files are missing from this installation.');
      return reply.header('content-type', asset.type).header('cache-control', 'no-store').header('content-security-policy', DASHBOARD_CSP)
        .header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin').send(asset.body);
    };
    scope.get('/dashboard', { schema: { hide: true } }, shell);
    scope.get('/dashboard/projects/*', { schema: { hide: true } }, shell);
  };
}
