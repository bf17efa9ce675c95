import { expect, test } from '@playwright/test';
import { classifyBrowserConversation } from '../../harness/protocol/browser-conversation';
import { throttleOf } from '../../harness/protocol/frames';

test('audio frames are audio even when their base64 contains "429" or "RateLimit"', () => {
  const data = `${Buffer.from('xx').toString('base64')}RateLimitExceeded429tooManyRequests`;
  const frame = classifyBrowserConversation(
    JSON.stringify({ type: 'audio_data', data, sample_rate: 48000, frame_index: 3, is_final: false }),
  );
  expect(frame).toMatchObject({ kind: 'audio', frameIndex: 3, isFinal: false });
});

test('status errors carry their code and throttling source from the error fields', () => {
  const status = (caption: string) =>
    JSON.stringify({
      type: 'status',
      payload: { message: 'Agent error', statusTone: 'error', statusCaption: caption },
    });
  expect(classifyBrowserConversation(status('Error code: 429 - RateLimitExceeded, retry later'))).toEqual({
    kind: 'error',
    code: '429',
    message: 'Error code: 429 - RateLimitExceeded, retry later Agent error',
    throttle: 'openai',
  });
  expect(classifyBrowserConversation(status('Speech quota exceeded'))).toMatchObject({
    kind: 'error',
    throttle: 'speech',
  });
  expect(classifyBrowserConversation(status('Error code: 500 - boom'))).toMatchObject({
    kind: 'error',
    code: '500',
    throttle: null,
  });
});

test('control, end token, session end and voice-live errors', () => {
  expect(classifyBrowserConversation('{"type":"control","action":"audio_stop","reason":"barge_in"}')).toEqual({
    kind: 'stop',
    action: 'audio_stop',
  });
  expect(
    classifyBrowserConversation('{"type":"assistant","payload":{"type":"assistant","status":"completed"}}'),
  ).toEqual({ kind: 'response-end' });
  expect(classifyBrowserConversation('{"type":"session_end","reason":"IDLE_TIMEOUT"}')).toEqual({
    kind: 'session-end',
    reason: 'IDLE_TIMEOUT',
  });
  expect(
    classifyBrowserConversation('{"kind":"ErrorData","errorData":{"code":"429","message":"Too Many Requests"}}'),
  ).toMatchObject({ kind: 'error', code: '429', throttle: 'openai' });
  expect(classifyBrowserConversation('not json')).toEqual({ kind: 'other' });
});

test("throttle sources follow the Locust suite's patterns", () => {
  expect(throttleOf('tokens per minute exceeded')).toBe('openai');
  expect(throttleOf('STT throttled')).toBe('speech');
  expect(throttleOf('rate limit hit')).toBe('unknown');
  expect(throttleOf('internal error')).toBeNull();
});
