import type { ClientProfile } from './profile';

const START = [{ role: 'button', name: 'Start talking to agent' }];
const END = [{ role: 'button', name: 'End conversation with agent' }];

/**
 * Built-in client profiles. The reference client comes in its three
 * transports and in a legacy build (ScriptProcessorNode capture at 16 kHz,
 * AudioBufferSourceNode playback at 48 kHz); `accelerator` is the real React
 * client described in docs/design.md#the-real-browser-client (CLIENT_URL must point at it).
 * `callsPerCore` is each client's measured capacity (bench:density); 1 where not yet measured.
 */
export const BUILTIN_PROFILES: Record<string, ClientProfile> = {
  reference: {
    name: 'reference',
    referencePage: '/',
    referenceTransport: 'browser',
    socketUrlIncludes: '/conversation',
    start: START,
    end: END,
    greeting: true,
    getUserMedia: '{audio: true}',
    // Measured: 6 calls on 2 cores pass every health condition; 8 passed until the send-path probe, and since then
    // were INCONCLUSIVE in 4 of 4 runs, the caller's audio carried 20-70 ms late during start-ups
    // (bench:density and bench:fidelity, 2026-11-30).
    callsPerCore: 3,
  },
  'reference-acs': {
    name: 'reference-acs',
    referencePage: '/',
    referenceTransport: 'acs',
    socketUrlIncludes: '/media/stream',
    start: START,
    end: END,
    greeting: true,
    callsPerCore: 2,
  },
  'reference-realtime': {
    name: 'reference-realtime',
    referencePage: '/',
    referenceTransport: 'realtime',
    socketUrlIncludes: '/realtime',
    start: START,
    end: END,
    greeting: false,
    callsPerCore: 2,
  },
  'reference-legacy': {
    name: 'reference-legacy',
    referencePage: '/?build=legacy',
    referenceTransport: 'browser',
    socketUrlIncludes: '/conversation',
    start: START,
    end: END,
    greeting: true,
    // Measured: 6 calls on 2 cores pass every health condition (bench:density, 2026-11-30; 8 not tried).
    callsPerCore: 3,
  },
  accelerator: {
    name: 'accelerator',
    socketUrlIncludes: '/api/v1/browser/conversation',
    // The mode choice appears after the first click; PIPELINE=voicelive picks the other mode.
    start: [...START, { role: 'button', name: 'Custom Speech Cascade', optional: true }],
    end: END,
    greeting: true,
    // Its waveform animation re-renders on nearly every frame: ~45-50% of a core per call otherwise.
    animationFps: 1,
    getUserMedia: '{audio: true} (echo cancellation, noise suppression, gain control on)',
    callsPerCore: 1,
  },
};
