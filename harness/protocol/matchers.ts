import { base64Bytes, parseJsonObject, throttleOf, type FrameClass } from './frames';

/**
 * User field matchers (PROTOCOL_MATCHERS): rules tried before the built-in
 * classifier, for agents whose messages differ. A rule matches when every
 * `when` path (dotted, e.g. "payload.event") equals the value, or one of the
 * listed values.
 */
export interface FieldMatcher {
  when: Record<string, string | number | boolean | Array<string | number | boolean>>;
  kind: 'audio' | 'response-start' | 'response-end' | 'stop' | 'error' | 'session-end';
  /** audio: path of the base64 PCM16 payload, and its sample rate. */
  data?: string;
  sampleRateHz?: number;
  /** audio: path of a boolean that marks the last frame of a response. */
  final?: string;
  /** error: paths of the code and message. */
  code?: string;
  message?: string;
}

const KINDS = ['audio', 'response-start', 'response-end', 'stop', 'error', 'session-end'];

function at(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const key of path.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Checks a PROTOCOL_MATCHERS value; returns an error text naming the rule and field, or the rules. */
export function parseMatchers(raw: unknown): FieldMatcher[] | string {
  if (!Array.isArray(raw)) return 'a JSON array of {"when": {...}, "kind": ...} rules';
  for (const [i, r] of raw.entries()) {
    const rule = r as Partial<FieldMatcher>;
    if (
      !rule ||
      typeof rule !== 'object' ||
      !rule.when ||
      typeof rule.when !== 'object' ||
      !Object.keys(rule.when).length
    )
      return `rule ${i + 1}: "when" must be an object of field path -> value`;
    if (!KINDS.includes(String(rule.kind))) return `rule ${i + 1}: "kind" must be one of ${KINDS.join(', ')}`;
    if (rule.kind === 'audio' && (typeof rule.data !== 'string' || typeof rule.sampleRateHz !== 'number'))
      return `rule ${i + 1}: an audio rule needs "data" (path of base64 PCM16) and "sampleRateHz"`;
  }
  return raw as FieldMatcher[];
}

export function matchFrame(rules: readonly FieldMatcher[], data: unknown): FrameClass | null {
  if (!rules.length) return null;
  const msg = parseJsonObject(data);
  if (!msg) return null;
  for (const rule of rules) {
    const hit = Object.entries(rule.when).every(([path, want]) => {
      const v = at(msg, path);
      return Array.isArray(want) ? want.includes(v as string) : v === want;
    });
    if (!hit) continue;
    switch (rule.kind) {
      case 'audio': {
        const b64 = at(msg, rule.data!);
        const audioBytes = typeof b64 === 'string' ? base64Bytes(b64) : 0;
        return {
          kind: 'audio',
          frameIndex: null,
          isFinal: rule.final ? at(msg, rule.final) === true : false,
          audioBytes,
          audioMs: (audioBytes / 2 / rule.sampleRateHz!) * 1000,
        };
      }
      case 'error': {
        const message = String(at(msg, rule.message ?? 'message') ?? '');
        const code = rule.code ? at(msg, rule.code) : undefined;
        return {
          kind: 'error',
          code: code === undefined ? null : String(code),
          message,
          throttle: throttleOf(`${String(code ?? '')} ${message}`),
        };
      }
      case 'stop':
        return { kind: 'stop', action: 'matched' };
      case 'session-end':
        return { kind: 'session-end', reason: 'matched' };
      default:
        return { kind: rule.kind } as FrameClass;
    }
  }
  return null;
}
