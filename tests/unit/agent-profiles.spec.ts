import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ConfigError } from '../../harness/config/options';
import { BUILT_IN_PROFILES, draw, drawStages, fixedStages, loadProfile } from '../../fixtures/agent/profiles';
import { deriveSeed, mulberry32 as createRng } from '../../harness/random';
import { createAgentServer } from '../../fixtures/agent/server';
import { RecordingClient } from '../../bench/agent-clients';

/** Stage latency profiles: distributions, not constants; seeded; user files validated. */

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

test('lognormal draws have the configured median and p95', () => {
  const rng = createRng(1234);
  const values = Array.from({ length: 40000 }, () => draw({ dist: 'lognormal', medianMs: 450, p95Ms: 1100 }, rng)).sort(
    (a, b) => a - b,
  );
  expect(Math.abs(quantile(values, 0.5) / 450 - 1)).toBeLessThan(0.03);
  expect(Math.abs(quantile(values, 0.95) / 1100 - 1)).toBeLessThan(0.04);
  expect(new Set(values.slice(0, 100)).size).toBeGreaterThan(90);
});

test('uniform, normal (clamped at 0 and maxMs) and constant distributions', () => {
  const rng = createRng(5);
  const u = Array.from({ length: 5000 }, () => draw({ dist: 'uniform', minMs: 100, maxMs: 200 }, rng));
  expect(Math.min(...u)).toBeGreaterThanOrEqual(100);
  expect(Math.max(...u)).toBeLessThanOrEqual(200);
  const n = Array.from({ length: 5000 }, () => draw({ dist: 'normal', meanMs: 50, sdMs: 100, maxMs: 120 }, rng));
  expect(Math.min(...n)).toBe(0);
  expect(Math.max(...n)).toBe(120);
  expect(draw({ dist: 'constant', ms: 42 }, rng)).toBe(42);
});

test('the same seed draws the same stage delays; built-in profiles are ordered fast < typical < degraded', () => {
  const a = drawStages(BUILT_IN_PROFILES.typical!, createRng(deriveSeed(7, 3)));
  const b = drawStages(BUILT_IN_PROFILES.typical!, createRng(deriveSeed(7, 3)));
  const c = drawStages(BUILT_IN_PROFILES.typical!, createRng(deriveSeed(7, 4)));
  expect(a).toEqual(b);
  expect(a).not.toEqual(c);
  const median = (name: string) => {
    const rng = createRng(1);
    const totals = Array.from({ length: 4001 }, () =>
      Object.values(drawStages(BUILT_IN_PROFILES[name]!, rng)).reduce((x, y) => x + y, 0),
    ).sort((x, y) => x - y);
    return totals[2000]!;
  };
  const [fast, typical, degraded] = ['fast', 'typical', 'degraded'].map(median);
  expect(fast).toBeGreaterThan(250);
  expect(fast).toBeLessThan(380);
  expect(typical).toBeGreaterThan(fast!);
  expect(degraded).toBeGreaterThan(typical!);
  expect(fixedStages(300)).toEqual({ sttMs: 60, llmFirstTokenMs: 180, ttsFirstAudioMs: 60 });
});

test('a user profile file is loaded and validated with messages naming AGENT_PROFILE and the field', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-profile-'));
  const good = path.join(dir, 'slow-llm.json');
  fs.writeFileSync(
    good,
    JSON.stringify({
      name: 'slow-llm',
      sttMs: 100,
      llmFirstTokenMs: { dist: 'lognormal', medianMs: 900, p95Ms: 2500 },
      ttsFirstAudioMs: { dist: 'uniform', minMs: 80, maxMs: 160 },
    }),
  );
  expect(loadProfile(good)).toEqual({
    name: 'slow-llm',
    sttMs: { dist: 'constant', ms: 100 },
    llmFirstTokenMs: { dist: 'lognormal', medianMs: 900, p95Ms: 2500 },
    ttsFirstAudioMs: { dist: 'uniform', minMs: 80, maxMs: 160 },
  });
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(
    bad,
    JSON.stringify({
      sttMs: 100,
      llmFirstTokenMs: { dist: 'lognormal', medianMs: 900, p95Ms: 100 },
      ttsFirstAudioMs: 1,
    }),
  );
  expect(() => loadProfile(bad)).toThrow(ConfigError);
  expect(() => loadProfile(bad)).toThrow(/AGENT_PROFILE=.*llmFirstTokenMs: lognormal needs 0 < medianMs <= p95Ms/);
  fs.writeFileSync(bad, '{ nope');
  expect(() => loadProfile(bad)).toThrow(/not valid JSON/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a seeded agent draws each session's stages reproducibly, whatever else runs", async () => {
  const stagesOf = async (seed: number) => {
    const agent = await createAgentServer({ port: 0, logLevel: 'silent', greeting: false, profile: 'typical', seed });
    try {
      const c = await RecordingClient.open(`${agent.wsUrl}?session_id=seeded`);
      for (let i = 0; i < 3; i++) c.ws.send(`turn ${i}`);
      await expect.poll(() => agent.groundTruth('seeded')!.filter((e) => e.event === 'reply_scheduled').length).toBe(3);
      c.close();
      return agent
        .groundTruth('seeded')!
        .filter((e) => e.event === 'reply_scheduled')
        .map((e) => [e.sttMs, e.llmFirstTokenMs, e.ttsFirstAudioMs, e.profile]);
    } finally {
      await agent.close();
    }
  };
  const a = await stagesOf(11);
  expect(await stagesOf(11)).toEqual(a);
  expect(await stagesOf(12)).not.toEqual(a);
  expect(a.every((s) => s[3] === 'typical')).toBe(true);
});
