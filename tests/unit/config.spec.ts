import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClientProfile } from '../../harness/clients/load';
import { ConfigError, harnessOptions, loadHarnessConfig } from '../../harness/config';

test('defaults apply when nothing is set', () => {
  const c = loadHarnessConfig({});
  expect(c.calls).toBe(4);
  expect(c.scenarios).toEqual(['insurance_inquiry', 'quick_question']);
  expect(c.firstByteTimeoutSec).toBe(5);
  expect(c.wsUrl).toBeUndefined();
});

test('a bad value names the variable, the value and what is allowed', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ CALLS: 'many' }, /^CALLS="many" \(from environment\) is not valid: expected an integer from 1 to 100000/],
    [{ CALLS: '0' }, /CALLS="0".*from 1 to/],
    [{ TURNS_PER_USER: '-1' }, /TURNS_PER_USER="-1".*an integer >= 0 \(turns per call/],
    [{ FIRST_BYTE_TIMEOUT_SEC: '-2' }, /FIRST_BYTE_TIMEOUT_SEC="-2".*a number from 0.1 to 600 s \(/],
    [{ CLIENT_ANIMATION_FPS: 'abc' }, /^CLIENT_ANIMATION_FPS="abc" \(from environment\).*0 to 1000 frames\/s/],
    [{ CLIENT_ANIMATION_FPS: '-1' }, /^CLIENT_ANIMATION_FPS="-1".*a number from 0 to 1000 frames\/s/],
    [{ WS_URL: 'http://x/y' }, /WS_URL="http:\/\/x\/y".*scheme ws or wss/],
    [{ WS_URL: 'not a url' }, /WS_URL="not a url".*absolute URL/],
    [{ TRACE: 'sometimes' }, /TRACE="sometimes".*one of off, on, retain-on-failure/],
  ];
  for (const [env, message] of cases) {
    let error: unknown;
    try {
      loadHarnessConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error, JSON.stringify(env)).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  }
});

test('environment beats the config file, which beats the default', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-')), 'harness.json');
  fs.writeFileSync(file, JSON.stringify({ CALLS: 7, BARGE_QUIET_MS: 250 }));
  const fromFile = loadHarnessConfig({ HARNESS_CONFIG: file });
  expect(fromFile.calls).toBe(7);
  expect(fromFile.bargeQuietMs).toBe(250);
  expect(loadHarnessConfig({ HARNESS_CONFIG: file, CALLS: '3' }).calls).toBe(3);
  fs.writeFileSync(file, JSON.stringify({ CALS: 7 }));
  expect(() => loadHarnessConfig({ HARNESS_CONFIG: file })).toThrow(/CALS=7 \(from .*harness\.json\).*known options: WS_URL/);
});

test('CLIENT_ANIMATION_FPS caps the page\'s frame rate; 0 leaves the profile\'s own', () => {
  expect(loadClientProfile(loadHarnessConfig({ CLIENT_ANIMATION_FPS: '30' })).animationFps).toBe(30);
  expect(loadClientProfile(loadHarnessConfig({})).animationFps).toBeUndefined();
  const accelerator = { CLIENT_PROFILE: 'accelerator', CLIENT_URL: 'http://x/' };
  expect(loadClientProfile(loadHarnessConfig({ ...accelerator, CLIENT_ANIMATION_FPS: '0' })).animationFps).toBe(1);
  expect(loadClientProfile(loadHarnessConfig({ ...accelerator, CLIENT_ANIMATION_FPS: '2.5' })).animationFps).toBe(2.5);
});

test('the README documents every option', () => {
  const readme = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'), 'utf8');
  const missing = Object.values(harnessOptions).map((o) => o.env).filter((env) => !readme.includes(`\`${env}\``));
  expect(missing).toEqual([]);
});
