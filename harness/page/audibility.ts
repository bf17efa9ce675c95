import type { OutputTransition } from './output-tap';
import type { Response } from './responses';

/** Slack for the audio-clock-to-page-clock mapping when comparing with frame arrival. */
const CLOCK_SLACK_MS = 5;
/**
 * The same for a transition reported after the response's first frame
 * arrived. The clock mapping dates a render burst's samples across the burst
 * (see AudioClock), so audio rendered just after the frame arrived can date up
 * to one burst (about 10 ms, more on a loaded machine) before it; output that
 * had been silent and turns audible once a response is under way is that
 * response's audio. Its time is clamped to the frame's arrival.
 */
const LIVE_SLACK_MS = 50;
const HISTORY = 256;

/**
 * Keeps the client's output transitions and dates each response's first
 * audible sample: the first silent-to-audible transition at or after the
 * response's first frame arrived, before the next response began.
 */
export class Audibility {
  readonly transitions: OutputTransition[] = [];
  private waiting: Response[] = [];

  constructor(private readonly onAudible: (r: Response, at: number) => void) {}

  onResponseStart(r: Response): void {
    // A newer response supersedes older ones that never became audible.
    this.waiting = [r];
    for (const t of this.transitions) if (this.match(t, CLOCK_SLACK_MS)) break;
  }

  onTransition(t: OutputTransition): void {
    this.transitions.push(t);
    if (this.transitions.length > HISTORY) this.transitions.splice(0, this.transitions.length - HISTORY);
    this.match(t, LIVE_SLACK_MS);
  }

  /** The start of the final silence in (from, to]: when output last went quiet, or null if it never did. */
  lastSilenceStart(from: number, to: number): number | null {
    let silentAt: number | null = null;
    for (const t of this.transitions) {
      if (t.at <= from || t.at > to) continue;
      silentAt = t.kind === 'silent' ? t.at : null;
    }
    return silentAt;
  }

  private match(t: OutputTransition, slackMs: number): boolean {
    if (t.kind !== 'audible') return false;
    const r = this.waiting.find((x) => t.at >= x.firstAt - slackMs);
    if (!r) return false;
    this.waiting = this.waiting.filter((x) => x !== r);
    this.onAudible(r, Math.max(t.at, r.firstAt));
    return true;
  }
}
