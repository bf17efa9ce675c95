import type { PageHarnessOptions } from '../../harness/page/types';

/** The in-page harness's options for a page of our own whose call socket's URL has `/conversation` in it. */
export const CONVERSATION_PAGE_OPTIONS: PageHarnessOptions = {
  socketUrlIncludes: '/conversation',
  quietMs: 400,
  protocol: 'auto',
  tokens: { response: [], end: ['completed'] },
  matchers: [],
  animationFps: null,
  outputThreshold: 0.003,
  outputSilenceHoldMs: 100,
  recordOutput: false,
};
