import { errorText, integrationTypeOf } from './dom.js';
import { renderPortal } from './view.js';

/**
 * The hosted Connect Portal: the page the official SDK frames at `{CONNECT_PUBLIC_URL}/ui`.
 * It draws what each UI_UPDATE from the SDK says and acts only by asking the SDK in the parent window
 * to run its own methods (SDK_FUNCTION_INVOCATION). The user's token arrives in UI_UPDATE; the page
 * never reads it, stores it, logs it or puts it in a URL: the SDK makes every request.
 */

const state = {
  context: null,
  modal: null,
  open: false,
  integrationId: null,
  parentOrigin: null,
  busy: new Set(),
  notes: {},
  drafts: {},
  waiting: null,
  addingAccount: false,
};

// ---- the RPC to the SDK in the parent window ----
let nextCall = 1;
const calls = new Map();

function call(type, ...parameters) {
  return new Promise((resolve, reject) => {
    if (!state.parentOrigin || window.parent === window) {
      reject(new Error('The portal is not open inside an app.'));
      return;
    }
    const id = `portico-portal-${nextCall++}`;
    calls.set(id, { resolve, reject });
    window.parent.postMessage({ messageType: 'SDK_FUNCTION_INVOCATION', type, parameters, id }, state.parentOrigin);
  });
}

window.addEventListener('message', (event) => {
  // Only the app window that frames the portal (where the SDK runs) may drive it.
  if (window.parent === window || event.source !== window.parent) return;
  const data = event.data;
  if (!data || typeof data !== 'object') return;
  if (data.messageType === 'UI_UPDATE') {
    state.parentOrigin = event.origin;
    update(data.nextContext ?? null, data.nextModalState ?? null);
  } else if (data.messageType === 'SDK_FUNCTION_RESPONSE' || data.messageType === 'SDK_FUNCTION_ERROR') {
    const pending = calls.get(data.id);
    if (!pending) return;
    calls.delete(data.id);
    if (data.messageType === 'SDK_FUNCTION_ERROR') pending.reject(new Error(typeof data.message === 'string' ? data.message : ''));
    else pending.resolve(data.result);
  }
});

document.addEventListener('keydown', (event) => {
  if (!state.open) return;
  if (event.key === 'Escape') {
    event.preventDefault();
    actions.close();
  } else if (event.key === 'Tab') {
    // A modal dialog: Tab and Shift+Tab cycle through its controls.
    const dialog = document.getElementById('portal-dialog');
    const controls = [...dialog.querySelectorAll('button, input, select, textarea, [tabindex="0"]')].filter((el) => !el.disabled && el.offsetParent !== null);
    if (controls.length === 0) return;
    const first = controls[0];
    const last = controls[controls.length - 1];
    if (event.shiftKey && (document.activeElement === first || document.activeElement === dialog)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }
});

// ---- what the SDK says ----
function credentialsOf(context, integration) {
  const integrationState = context?.user?.integrations?.[integrationTypeOf(integration)];
  return integrationState?.allCredentials ?? [];
}

function update(context, modal) {
  const wasOpen = state.open;
  const integration = modal?.integration ?? null;
  state.context = context;
  state.modal = modal;
  state.open = Boolean(integration && context?.user?.authenticated);
  if (state.open && integration.id !== state.integrationId) {
    Object.assign(state, { integrationId: integration.id, notes: {}, drafts: {}, waiting: null, addingAccount: false });
    state.busy.clear();
  }
  if (state.open && state.waiting) settleWaiting();
  draw();
  if (state.open && !wasOpen) {
    call('updateContainerStyle', { isModalShown: true }).catch(() => undefined);
    call('onOpen').catch(() => undefined);
    requestAnimationFrame(() => document.getElementById('portal-dialog')?.focus());
  } else if (!state.open && wasOpen) {
    state.integrationId = null;
    call('updateContainerStyle', { isModalShown: false }).catch(() => undefined);
  }
}

/** An OAuth popup is out: done when the account it was for is VALID, or the SDK reports an error. */
function settleWaiting() {
  const { waiting, modal } = state;
  const credentials = credentialsOf(state.context, modal.integration);
  if (modal.connectionError) {
    state.waiting = null;
    return;
  }
  const done = waiting.credentialId
    ? credentials.some((c) => c.id === waiting.credentialId && c.status === 'VALID' && waiting.wasValid === false)
    : credentials.some((c) => !waiting.known.includes(c.id));
  if (done) {
    state.waiting = null;
    state.addingAccount = false;
  }
}

function draw() {
  const root = document.getElementById('portal');
  const focused = document.activeElement?.id;
  root.replaceChildren();
  root.hidden = !state.open;
  if (!state.open) return;
  root.append(renderPortal(state, actions));
  if (focused) document.getElementById(focused)?.focus();
}

// ---- what the user does, through the SDK's own methods ----
async function run(key, work) {
  if (state.busy.has(key)) return;
  state.busy.add(key);
  delete state.notes[key];
  delete state.notes.portal;
  draw();
  try {
    const note = await work();
    if (note) state.notes[key] = { kind: 'ok', text: note };
  } catch (error) {
    state.notes[key] = { kind: 'error', text: errorText(error) };
  } finally {
    state.busy.delete(key);
    draw();
  }
}

function eventBase() {
  const integration = state.modal.integration;
  return { integrationId: integration.id, integrationType: integrationTypeOf(integration) };
}

function installOptions(extra = {}) {
  const base = state.modal.apiInstallationOptions ?? {};
  const options = {};
  for (const key of ['accountType', 'allowMultipleCredentials', 'externalId']) if (base[key] !== undefined) options[key] = base[key];
  if (extra.selectedCredentialId) delete options.externalId;
  return { ...options, ...extra };
}

const actions = {
  close() {
    call('closePortal').catch(() => undefined);
  },

  /** OAuth in the SDK's popup: a new account, or (credentialId) the same account again, in place. */
  connectOAuth(key, { credentialId, preOAuthValues } = {}) {
    const integration = state.modal.integration;
    const type = integrationTypeOf(integration);
    const credentials = credentialsOf(state.context, integration);
    const extra = credentialId ? { selectedCredentialId: credentialId } : state.addingAccount ? { allowMultipleCredentials: true } : {};
    state.waiting = {
      credentialId,
      wasValid: credentialId ? credentials.find((c) => c.id === credentialId)?.status === 'VALID' : undefined,
      known: credentials.map((c) => c.id),
    };
    return run(key, async () => {
      // The popup must open while the click still counts: ask for it first.
      if (preOAuthValues) {
        // The SDK starts OAuth with pre-OAuth inputs only in headless mode; switch it around the call.
        await call('setHeadless', true);
        try {
          await call('startOAuthFlow', type, installOptions({ ...extra, endUserSuppliedValues: preOAuthValues }));
        } finally {
          await call('setHeadless', false);
        }
      } else {
        await call('startOAuthFlow', type, installOptions(extra));
      }
      if (state.modal.connectionError) await call('setModalState', { connectionError: undefined });
      return null;
    }).then(() => {
      if (state.notes[key]?.kind === 'error') state.waiting = null;
      draw();
    });
  },

  /** API-key and other inputs: saved as a credential (or, credentialId given, replacing its inputs). */
  connectWithInputs(key, values, { credentialId } = {}) {
    const integration = state.modal.integration;
    return run(key, async () => {
      const body = { integrationId: integration.id, config: {}, payload: values, installOptions: installOptions(credentialId ? { selectedCredentialId: credentialId } : state.addingAccount ? { allowMultipleCredentials: true } : {}) };
      const credential = await call('sendConnectRequest', '/sdk/credentials', { method: 'POST', body: JSON.stringify(body) });
      await call('updateCredentialData', credential, integration);
      state.addingAccount = false;
      delete state.drafts[key];
      if (credential?.status === 'VALID') await call('triggerSDKEvent', { type: 'onIntegrationInstall', ...eventBase() });
      return null;
    });
  },

  /** A PENDING credential's post-OAuth inputs. */
  completeSetup(key, credentialId, values) {
    const integration = state.modal.integration;
    return run(key, async () => {
      const credential = await call('sendConnectRequest', `/sdk/credentials/${encodeURIComponent(credentialId)}/complete-setup`, {
        method: 'POST', body: JSON.stringify({ integrationId: integration.id, config: {}, payload: values }),
      });
      await call('updateCredentialData', credential, integration);
      if (credential?.status === 'VALID') await call('triggerSDKEvent', { type: 'onIntegrationInstall', ...eventBase() });
      return null;
    });
  },

  /** Disconnect one account (works on every plan: the SDK's uninstallIntegration needs headless-cp). */
  disconnect(key, credentialId) {
    const integration = state.modal.integration;
    return run(key, async () => {
      try {
        await call('sendConnectRequest', `/sdk/integrations/${encodeURIComponent(integration.id)}`, { method: 'DELETE', headers: { 'X-Paragon-Credential': credentialId } });
      } catch (error) {
        // Removed elsewhere meanwhile (another tab, the app's backend): show what is true now.
        await call('updateLocalState');
        if (credentialsOf(state.context, integration).some((c) => c.id === credentialId)) throw error;
        state.notes.portal = { kind: 'info', text: 'This account was already disconnected.' };
        return null;
      }
      await call('updateLocalState');
      await call('triggerSDKEvent', { type: 'onIntegrationUninstall', ...eventBase() });
      return null;
    });
  },

  toggleWorkflow(key, credentialId, workflowId, enabled) {
    return run(key, async () => {
      await call(enabled ? 'enableWorkflow' : 'disableWorkflow', workflowId, { selectedCredentialId: credentialId });
      await call('triggerSDKEvent', { type: 'onWorkflowChange', ...eventBase(), workflowId, workflowStateChange: { enabled } });
      return null;
    });
  },

  saveSettings(key, credentialId, values) {
    const type = integrationTypeOf(state.modal.integration);
    return run(key, async () => {
      const result = await call('updateIntegrationUserSettings', type, values, { selectedCredentialId: credentialId });
      if (result?.errors?.length) throw new Error(result.errors.map((e) => errorText(e)).join(' '));
      delete state.drafts[key];
      return 'Settings saved.';
    });
  },

  saveWorkflowSettings(key, credentialId, workflowId, values) {
    const type = integrationTypeOf(state.modal.integration);
    return run(key, async () => {
      const result = await call('updateWorkflowUserSettings', type, workflowId, values, { selectedCredentialId: credentialId });
      if (result?.errors?.length) throw new Error(result.errors.map((e) => errorText(e)).join(' '));
      await call('triggerSDKEvent', { type: 'onWorkflowChange', ...eventBase(), workflowId, workflowStateChange: { settings: values } });
      delete state.drafts[key];
      return 'Settings saved.';
    });
  },

  addAccount(on) {
    state.addingAccount = on;
    draw();
  },

  draft(key, id, value) {
    state.drafts[key] = { ...state.drafts[key], [id]: value };
  },
};
