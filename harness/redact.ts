/**
 * Secrets never reach reports: query parameters that look like credentials,
 * URL user-info, and keys carried in WebSocket subprotocols are masked.
 */
const SECRET_PARAM = /token|key|secret|sig|signature|password|passwd|auth|credential|code/i;

export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return redactText(raw);
  }
  if (url.username || url.password) {
    url.username = url.username ? 'REDACTED' : '';
    url.password = url.password ? 'REDACTED' : '';
  }
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) url.searchParams.set(name, 'REDACTED');
  }
  return url.toString();
}

/** Masks credential-shaped substrings in free text (error messages, subprotocol lists). */
export function redactText(text: string): string {
  return text
    .replace(/(openai-insecure-api-key\.)[^\s,'"]+/gi, '$1REDACTED')
    .replace(/([?&][^=&\s]*(?:token|key|secret|sig|password|auth|credential|code)[^=&\s]*=)[^&\s'"]+/gi, '$1REDACTED')
    .replace(/(bearer\s+)[\w.~+/-]+=*/gi, '$1REDACTED');
}
