import type { IConnectSDK } from '@useparagon/connect';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** The SDK events the app page records into `window.portalEvents`. */
const EVENTS = ['onIntegrationInstall', 'onIntegrationUninstall', 'onWorkflowChange', 'onPortalOpen', 'onPortalClose'] as const;

declare global {
  interface Window {
    portalEvents: Array<{ name: string; payload: Record<string, unknown> }>;
    connectResult: Promise<unknown> | undefined;
  }
}

/** What the portal suites read of `GET /sdk/me`. */
export interface SdkMe {
  integrations: Record<string, {
    enabled: boolean;
    credentialId?: string;
    allCredentials: Array<{ id: string; status: string; configurations: Array<{ isDefault: boolean; sharedSettings: Record<string, unknown>; workflowSettings: Record<string, { enabled: boolean; settings?: Record<string, unknown> }> }> }>;
  }>;
}

/**
 * The app's page (served by `startSdkPageServer`) in a fresh browser context that may reach only
 * loopback, with the official SDK configured for Portico in default (non-headless) mode and every
 * SDK event recorded into `window.portalEvents`. `log` collects page errors, console lines,
 * requests and popups (user tokens masked), for diagnostics.
 */
export async function openAppPage(browser: Browser, pageUrl: string, porticoUrl: string): Promise<{ context: BrowserContext; page: Page; log: string[] }> {
  const context = await browser.newContext({ viewport: { width: 480, height: 760 } });
  const log: string[] = [];
  await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
  const page = await context.newPage();
  page.on('pageerror', (error) => log.push(`pageerror: ${error.message}`));
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('request', (r) => log.push(`${r.method()} ${r.url().replace(/userToken=[^&]+/, 'userToken=…')}`));
  context.on('page', (popup) => log.push(`popup opened: ${popup.url().replace(/userToken=[^&]+/, 'userToken=…')}`));
  await page.goto(pageUrl);
  await page.evaluate(({ base, events }) => {
    const envs = ['DASHBOARD', 'PASSPORT', 'PASSPORT_PRODUCTION', 'WORKER_PROXY', 'ZEUS', 'HERMES', 'CDN', 'API_TRIGGER_KIT'];
    window.paragon = (window as unknown as { module: { exports: { paragon: IConnectSDK } } }).module.exports.paragon;
    // Default mode: no setHeadless. The SDK frames {CONNECT_PUBLIC_URL}/ui.
    window.paragon.configureGlobal({ host: base }, { ...Object.fromEntries(envs.map((name) => [`${name}_PUBLIC_URL`, base])), CONNECT_PUBLIC_URL: `${base}/connect` });
    window.portalEvents = [];
    for (const name of events) window.paragon.subscribe(name as never, ((payload: Record<string, unknown>) => window.portalEvents.push({ name, payload })) as never);
  }, { base: porticoUrl, events: [...EVENTS] });
  return { context, page, log };
}
