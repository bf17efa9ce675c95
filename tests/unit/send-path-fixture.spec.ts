import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { startSendPathProbe } from '../../fixtures/conductor/send-path';

/**
 * The fixtures' end of the send-path probe, on its wire (docs/design.md#send-path-probe): each probe answered with
 * its arrival, ticks for a while after, nothing once the probes stop, and binary refused.
 */

test('a probe is answered with its arrival and followed by ticks for a while; then the socket rests', async () => {
  const probe = await startSendPathProbe();
  const ws = new WebSocket(probe.url);
  const got: Array<{ text: string; atMs: number }> = [];
  ws.on('message', (d) => got.push({ text: d.toString(), atMs: performance.timeOrigin + performance.now() }));
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const sentAtMs = performance.timeOrigin + performance.now();
    ws.send('7');
    await new Promise((r) => setTimeout(r, 500));
    const [answer, ...ticks] = got;
    const [seq, arrived] = answer!.text.split(' ');
    expect(seq).toBe('7');
    expect(Number(arrived)).toBeGreaterThanOrEqual(sentAtMs - 2);
    expect(Number(arrived)).toBeLessThanOrEqual(answer!.atMs + 2);
    // Every 10 ms for 100 ms: a loaded machine may skip some, none comes later, and each carries when it left.
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(11);
    for (const t of ticks) {
      const [head, leftAt] = t.text.split(' ');
      expect(head).toBe('t');
      expect(Number(leftAt)).toBeGreaterThan(Number(arrived));
      expect(Number(leftAt)).toBeLessThanOrEqual(Number(arrived) + 100);
      expect(Number(leftAt)).toBeLessThanOrEqual(t.atMs + 2);
    }
    // No probe, no ticks.
    const before = got.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(got.length).toBe(before);
    // Binary is no probe.
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send(Buffer.from([1, 2, 3]));
    expect(await closed).toBe(1003);
  } finally {
    ws.terminate();
    await probe.close();
  }
});
