/** Command, view and context-key ids shared by the vscode glue, package.json (checked by a test) and tests. */

export const COMMANDS = {
  sendEvent: 'xenGuest.sendEvent',
  setPreemption: 'xenGuest.setPreemption',
  stepIntoContinuation: 'xenGuest.stepIntoContinuation',
  refreshViews: 'xenGuest.refreshViews',
  revealCallSite: 'xenGuest.revealCallSite',
  pickGuestKernel: 'xenGuest.pickGuestKernel',
} as const;

export const VIEWS = {
  hypercalls: 'xenGuest.hypercalls',
  eventChannels: 'xenGuest.eventChannels',
  domains: 'xenGuest.domains',
} as const;

/** Context key: a xen-guest session exists (views' welcome text, command enablement). */
export const SESSION_ACTIVE_KEY = 'xenGuest.sessionActive';

/** Setting (under `xenGuest.`) that picks where the adapter runs. */
export const ADAPTER_MODE_SETTING = 'adapter.mode';

/** Context key set on activation: the Xen views exist only once the extension runs. */
export const ACTIVE_KEY = 'xenGuest.active';
