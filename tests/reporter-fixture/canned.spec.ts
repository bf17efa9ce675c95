import fs from 'node:fs';
import { test } from '@playwright/test';
import { CALL_RECORD_ATTACHMENT, type CallRecord } from '../../harness/metrics/record';

const records = JSON.parse(fs.readFileSync(process.env.CANNED_RECORDS!, 'utf8')) as CallRecord[];

for (const record of records) {
  test(record.callId, async ({}, testInfo) => {
    await testInfo.attach(CALL_RECORD_ATTACHMENT, { body: JSON.stringify(record), contentType: 'application/json' });
  });
}
